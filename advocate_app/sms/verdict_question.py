"""The one discreet text asking how useful finished help was, and the number texted back.

The question names nothing (no organisation, no service, no plan) and goes only where every other text may:
an SMS consent in force, a mobile number, not opted out or paused, inside the person's safe hours (the outbox
holds it until then, and cancels it when it goes stale). A reply that is not a number from 1 to 5 goes to the
advocate's inbox like any other text, and is answered only with "passed on".
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from advocate_app import db
from advocate_app.consent.services import has_active_sms_consent
from advocate_app.db import utcnow
from advocate_app.people.models import Person, PersonStatus
from advocate_app.referrals.models import Referral
from advocate_app.referrals.services import kept_from_person
from advocate_app.sms import services as sms
from advocate_app.sms.models import MessageKind
from advocate_app.team import verdicts

# How long the question may wait for a safe time to send before it is no longer worth asking.
ASK_WITHIN_DAYS = 3


def ask_by_text(referral: Referral) -> None:
    """Queue the question once for a finished referral the person has not answered (and was not kept from)."""
    if not current_app.config["SMS_VERDICT_QUESTION"] or not verdicts.is_finished(referral):
        return
    if verdicts.of_referral(referral.id) is not None or kept_from_person(referral):
        return
    person = db.session.get(Person, referral.person_id)
    if (
        person is None
        or person.status is not PersonStatus.OPEN
        or not person.sms_allowed
        or not person.phone_e164
        or not has_active_sms_consent(person.id)
    ):
        return
    now = utcnow()
    sms.queue(
        kind=MessageKind.VERDICT,
        template="verdict",
        key=f"verdict:{referral.id}",
        to_number=person.phone_e164,
        language=person.language,
        earliest=now,
        latest=now + timedelta(days=ASK_WITHIN_DAYS),
        person_id=person.id,
        subject_id=referral.id,
    )


def answer(prompt, person: Person, number: int, rest: str, *, by) -> bool:
    """A number texted back to the question. True when it was taken as the verdict; anything else (0, 6, 42, a
    verdict already given, a referral not theirs) is left for the advocate's inbox."""
    referral = db.session.get(Referral, prompt.subject_id) if prompt.subject_id else None
    if referral is None or referral.person_id != person.id:
        return False
    return verdicts.record_by_text(referral, number, rest.strip(" .,;:-\n\t"), by=by)
