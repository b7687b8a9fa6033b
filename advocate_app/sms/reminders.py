"""Reminders, created and cancelled as the record changes, and a daily sweep that catches up.

- a step of the person's own is due: a text the day before, until the end of the due date;
- a plan review is due: the person and the lead advocate, from two days before;
- a referral is waiting for an answer: the receiving organisation's workers, on the respond-by date;
- a check-in prompt ("how are things, 1–10?") every ``SMS_CHECK_IN_DAYS``.

Every reminder has an idempotency key made of what it is about and its date, so calling these
functions again (or running the sweep twice) never queues a second copy.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from advocate_app import db, events
from advocate_app.accounts.models import Role, User
from advocate_app.clock import LOCAL_ZONE, local_today
from advocate_app.consent.models import Consent, ConsentKind
from advocate_app.consent.services import has_active_sms_consent
from advocate_app.db import utcnow
from advocate_app.people.models import Assignment, Person, PersonStatus
from advocate_app.plans.models import ItemKind, Plan, PlanItem, PlanStatus, StepOwner
from advocate_app.referrals.models import Referral, ReferralStatus
from advocate_app.sms import services as sms
from advocate_app.sms import verdict_question
from advocate_app.sms.models import MessageKind, SmsMessage, StaffNumber
from advocate_app.sms.windows import local_midnight
from advocate_app.wording import Reader, sms_template


def _may_text(person: Person) -> bool:
    return (
        person.status is PersonStatus.OPEN
        and person.sms_allowed
        and bool(person.phone_e164)
        and has_active_sms_consent(person.id)
    )


def _day_span(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the end of ``last``, UK time, as UTC instants."""
    return local_midnight(first), local_midnight(last + timedelta(days=1))


# Steps -------------------------------------------------------------------------------------------------------


def step_changed(item) -> None:
    """A step was added, ticked off, unticked or given a new date: its reminder follows."""
    if item.kind is not ItemKind.STEP:
        return
    wanted = None
    if item.due_date and not item.is_done and item.owner is StepOwner.ME and item.plan.status is PlanStatus.ACTIVE:
        wanted = f"step_due:{item.id}:{item.due_date.isoformat()}"
    sms.cancel_waiting(reason="record_changed", kind=MessageKind.STEP_DUE, subject_id=item.id, keep_key=wanted)
    if wanted is None or item.due_date < local_today():
        return
    person = db.session.get(Person, item.plan.person_id)
    if person is None or not _may_text(person):
        return
    earliest, latest = _day_span(item.due_date - timedelta(days=1), item.due_date)
    sms.queue(
        kind=MessageKind.STEP_DUE,
        template="step_due",
        key=wanted,
        to_number=person.phone_e164,
        language=person.language,
        earliest=max(earliest, utcnow()),
        latest=latest,
        person_id=person.id,
        subject_id=item.id,
        values={"day": item.due_date},
    )


# Reviews -----------------------------------------------------------------------------------------------------


def review_date_changed(plan) -> None:
    """The plan's next review date was set or moved: the person and the lead advocate are reminded of it."""
    day = plan.next_review_date
    for kind in (MessageKind.REVIEW_DUE, MessageKind.REVIEW_DUE_ADVOCATE):
        keep = f"{kind.value}:{plan.id}:{day.isoformat()}" if day else None
        sms.cancel_waiting(reason="record_changed", kind=kind, subject_id=plan.id, keep_key=keep)
    if day is None or day < local_today():
        return
    earliest, latest = _day_span(day - timedelta(days=2), day)
    earliest = max(earliest, utcnow())
    person = db.session.get(Person, plan.person_id)
    if person is not None and _may_text(person):
        sms.queue(
            kind=MessageKind.REVIEW_DUE,
            template=sms_template("review_due", Reader.PERSON),
            key=f"review_due:{plan.id}:{day.isoformat()}",
            to_number=person.phone_e164,
            language=person.language,
            earliest=earliest,
            latest=latest,
            person_id=person.id,
            subject_id=plan.id,
            values={"day": day},
        )
    for advocate, number in db.session.execute(
        select(User, StaffNumber.number)
        .join(StaffNumber, StaffNumber.user_id == User.id)
        .join(Assignment, Assignment.advocate_id == User.id)
        .where(Assignment.person_id == plan.person_id, Assignment.is_lead, Assignment.ended_at.is_(None), User.active)
    ):
        sms.queue(
            kind=MessageKind.REVIEW_DUE_ADVOCATE,
            template=sms_template("review_due", Reader.ADVOCATE),
            key=f"review_due_advocate:{plan.id}:{day.isoformat()}:{advocate.id}",
            to_number=number,
            language=advocate.locale or "en",
            earliest=earliest,
            latest=latest,
            user_id=advocate.id,
            subject_id=plan.id,
            values={"day": day},
        )


# Referrals ---------------------------------------------------------------------------------------------------


def referral_made(referral) -> None:
    """A referral is waiting for the organisation: its workers with a mobile are reminded on the respond-by day."""
    if referral.respond_by < local_today():
        return
    earliest, latest = _day_span(referral.respond_by, referral.respond_by)
    earliest = max(earliest, utcnow())
    for worker, number in db.session.execute(
        select(User, StaffNumber.number)
        .join(StaffNumber, StaffNumber.user_id == User.id)
        .where(User.organisation_id == referral.organisation_id, User.role == Role.ORG_WORKER, User.active)
    ):
        sms.queue(
            kind=MessageKind.REFERRAL_RESPOND_BY,
            template="respond_by",
            key=f"respond_by:{referral.id}:{worker.id}",
            to_number=number,
            language=worker.locale or "en",
            earliest=earliest,
            latest=latest,
            user_id=worker.id,
            subject_id=referral.id,
            values={"day": referral.respond_by, "code": referral.reference},
        )


def referral_answered(referral) -> None:
    """Once the organisation has answered (or the referral is withdrawn) nobody is reminded any more."""
    if referral.status is not ReferralStatus.SENT:
        sms.cancel_waiting(reason="record_changed", kind=MessageKind.REFERRAL_RESPOND_BY, subject_id=referral.id)
    # Finished help: the person is asked once, discreetly, how useful it was.
    verdict_question.ask_by_text(referral)


# Consent and contact details ---------------------------------------------------------------------------------


def sms_consent_withdrawn(person_id: int) -> None:
    """No active SMS consent left: every message waiting for the person is cancelled at once."""
    if not has_active_sms_consent(person_id):
        sms.cancel_waiting(reason="no_consent", person_id=person_id)


def contact_details_changed(person: Person) -> None:
    """New number, language or safe windows: waiting messages are checked again against them."""
    sms.look_again(person)


# The daily sweep ---------------------------------------------------------------------------------------------


def check_in_due(person: Person, today: date) -> None:
    """Queue a check-in prompt unless one went out (or is waiting) within ``SMS_CHECK_IN_DAYS``."""
    days = current_app.config["SMS_CHECK_IN_DAYS"]
    since = local_midnight(today - timedelta(days=days - 1))
    recent = db.session.scalar(
        select(SmsMessage.id).where(
            SmsMessage.person_id == person.id, SmsMessage.kind == MessageKind.CHECK_IN, SmsMessage.created_at >= since
        )
    )
    if recent is not None:
        return
    earliest, latest = _day_span(today, today + timedelta(days=2))
    sms.queue(
        kind=MessageKind.CHECK_IN,
        template="check_in",
        key=f"check_in:{person.id}:{today.isoformat()}",
        to_number=person.phone_e164,
        language=person.language,
        earliest=max(earliest, utcnow()),
        latest=latest,
        person_id=person.id,
        subject_id=person.id,
    )


def sweep(today: date | None = None) -> int:
    """Queue every reminder due in the next days that is not queued yet; returns how many steps and plans it saw."""
    today = today or datetime.now(LOCAL_ZONE).date()
    consenting = select(Consent.person_id).where(Consent.kind == ConsentKind.SMS, Consent.in_force(utcnow()))
    steps = db.session.scalars(
        select(PlanItem)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .options(contains_eager(PlanItem.plan))
        .where(
            Plan.status == PlanStatus.ACTIVE,
            Plan.person_id.in_(consenting),
            PlanItem.kind == ItemKind.STEP,
            PlanItem.owner == StepOwner.ME,
            PlanItem.done_at.is_(None),
            PlanItem.due_date.between(today, today + timedelta(days=1)),
        )
    ).all()
    for step in steps:
        step_changed(step)
    plans = db.session.scalars(
        select(Plan).where(
            Plan.status == PlanStatus.ACTIVE, Plan.next_review_date.between(today, today + timedelta(days=2))
        )
    ).all()
    for plan in plans:
        review_date_changed(plan)
    for referral in db.session.scalars(
        select(Referral).where(Referral.status == ReferralStatus.SENT, Referral.respond_by == today)
    ):
        referral_made(referral)
    for person in db.session.scalars(
        select(Person).where(
            Person.id.in_(consenting),
            Person.status == PersonStatus.OPEN,
            Person.sms_allowed,
            Person.phone_e164.is_not(None),
        )
    ):
        check_in_due(person, today)
    db.session.flush()
    return len(steps) + len(plans)


# Following the record ----------------------------------------------------------------------------------------


def _only_the_record(reminder):
    """A receiver of an event that hands the reminder the changed row, whatever else the event says."""

    def receive(sender, **_event) -> None:
        reminder(sender)

    receive.__name__ = f"on_{reminder.__name__}"
    return receive


def _on_consent_withdrawn(consent, **_event) -> None:
    if consent.kind is ConsentKind.SMS:
        sms_consent_withdrawn(consent.person_id)


# Made once per process: connecting the same receivers again (every app the tests build) changes nothing.
_RECEIVERS = (
    (events.step_changed, _only_the_record(step_changed)),
    (events.step_done, _only_the_record(step_changed)),
    (events.review_date_changed, _only_the_record(review_date_changed)),
    (events.referral_made, _only_the_record(referral_made)),
    (events.referral_moved_on, _only_the_record(referral_answered)),
    (events.contact_details_changed, _only_the_record(contact_details_changed)),
    (events.consent_withdrawn, _on_consent_withdrawn),
)


def follow_the_record() -> None:
    """Subscribe the reminders to the record's events (``advocate_app.events``); safe to call again.

    Receivers hold no app: they use the session and settings of whichever app is current when an event is sent.
    """
    for event, receiver in _RECEIVERS:
        event.connect(receiver, weak=False)
