"""Referral rules: made only on a covering consent, answered by the organisation, never left waiting."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Date, Integer, Row, Select, bindparam, case, func, literal_column, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from advocate_app import db, events, policy
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.consent import services as consent_services
from advocate_app.consent.models import Category, SharingOverride
from advocate_app.db import UTCDateTime, utcnow
from advocate_app.directory import services as directory_services
from advocate_app.directory.models import CapacityStatus, Organisation, Service, ServiceLanguage, ServiceNeedDomain
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, PlanItem, PlanStatus, StepOwner
from advocate_app.referrals.models import (
    NEXT_STATUSES,
    OPEN_STATUSES,
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Urgency,
)

DUE_SOON_DAYS = 2


class ReferralError(ValueError):
    """A referral rule was broken; ``field`` names the form field to show it next to."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.field = field


def _covering_basis(person_id: int, organisation_id: int, categories: frozenset[Category]):
    """The consent or approved override that covers every category for this organisation now, if any."""
    consents, overrides = consent_services.active_sharing(person_id, organisation_id, include_spent=True)
    for consent in consents:
        if categories <= consent.category_set:
            return consent, None
    for override in overrides:
        if categories <= override.category_set:
            return None, override
    return None, None


def _need_domain(need: PlanItem | None, step: PlanItem | None) -> str | None:
    """The need domain a referral is for: its need's, or that of the need its step sits under."""
    if need is not None:
        return need.domain
    goal = db.session.get(PlanItem, step.parent_id) if step is not None and step.parent_id else None
    parent = db.session.get(PlanItem, goal.parent_id) if goal is not None and goal.parent_id else None
    return parent.domain if parent is not None else None


def respond_by_date(service: Service, today: date) -> date:
    """When the organisation is asked to answer by: its own response target from today."""
    return today + timedelta(days=max(1, service.response_target_days))


def make_referral(
    person: Person,
    service: Service,
    *,
    categories,
    by: User,
    today: date,
    step: PlanItem | None = None,
    need: PlanItem | None = None,
    step_words: tuple[str, str] = ("", ""),
    note: str = "",
    urgency: Urgency = Urgency.ROUTINE,
) -> Referral:
    """Refer a person to a service, sharing exactly ``categories`` under a consent or approved override.

    :param need: a referral made straight from a need gets a step of its own (done by the organisation),
        worded ``step_words`` (the goal's text, should one be needed, and the step's).
    :raises ReferralError: when nothing covers the categories for that organisation, nothing is shared,
        the service is closed to referrals (or, after a partnership review, for this need), or the step or need
        is not part of the person's active plan.
    """
    chosen = frozenset(Category(c) for c in categories)
    if not chosen:
        raise ReferralError("categories", field="categories")
    if service.capacity_status is CapacityStatus.CLOSED:
        raise ReferralError("closed", field="service_id")
    if step is not None and (step.kind is not ItemKind.STEP or step.plan.person_id != person.id):
        raise ReferralError("step", field="step_id")
    if need is not None and (
        need.kind is not ItemKind.NEED or need.plan.person_id != person.id or need.plan.status is not PlanStatus.ACTIVE
    ):
        raise ReferralError("step", field="step_id")
    if directory_services.is_stopped(service.id, _need_domain(need, step)):
        raise ReferralError("stopped", field="service_id")
    consent, override = _covering_basis(person.id, service.organisation_id, chosen)
    if consent is None and override is None:
        raise ReferralError("consent", field="categories")
    if need is not None:
        # Only now that nothing can refuse the referral: a refused one leaves the plan as it was.
        step = plans.step_for_referral(
            need, goal_text=step_words[0], step_text=step_words[1], organisation=service.name, by=by
        )
    referral = Referral(
        person_id=person.id,
        service_id=service.id,
        organisation_id=service.organisation_id,
        step_id=step.id if step else None,
        made_by_id=by.id,
        categories=",".join(sorted(c.value for c in chosen)),
        consent_id=consent.id if consent else None,
        override_id=override.id if override else None,
        note_for_organisation=note.strip(),
        urgency=urgency,
        respond_by=respond_by_date(service, today),
    )
    db.session.add(referral)
    db.session.flush()
    db.session.add(
        ReferralEvent(referral_id=referral.id, status=ReferralStatus.SENT, by_id=by.id, by_role=by.role.value)
    )
    audit("referral_sent", actor=by, person_id=person.id, object_type="referral", object_id=referral.id)
    events.referral_made.send(referral, by=by)
    return referral


def change_status(
    referral: Referral,
    status: ReferralStatus,
    *,
    by: User,
    note: str = "",
    reason: DeclineReason | None = None,
    reason_text: str = "",
) -> None:
    """Move a referral on: accept, decline (with a coded reason), withdraw, or record what happened.

    Only the receiving organisation answers and updates; only an advocate withdraws.

    :raises ReferralError: for a move the referral cannot make, by someone who may not make it, or a
        decline without a reason ("other" needs words too).
    """
    # Held while it moves, and read again: two answers at once (a double tap, two workers) move it once.
    db.lock(Referral, referral.id)
    db.session.refresh(referral, attribute_names=["status", "updated_at", "responded_at"])
    if status not in NEXT_STATUSES[referral.status]:
        raise ReferralError("transition", field="status")
    may_move = (
        policy.may_withdraw_referral(by, referral)
        if status is ReferralStatus.WITHDRAWN
        else policy.may_handle_referral(by, referral)
    )
    if not may_move:
        raise ReferralError("not_allowed")
    if status is ReferralStatus.DECLINED:
        if reason is None:
            raise ReferralError("reason", field="reason")
        if reason is DeclineReason.OTHER and not reason_text.strip():
            raise ReferralError("reason_text", field="reason_text")
        referral.decline_reason = reason
        referral.decline_text = reason_text.strip()
    now = utcnow()
    if referral.status is ReferralStatus.SENT and status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
        referral.responded_at = now
    referral.status = status
    referral.updated_at = now
    db.session.add(
        ReferralEvent(
            referral_id=referral.id,
            status=status,
            decline_reason=reason,
            note=note.strip(),
            by_id=by.id,
            by_role=by.role.value,
            at=now,
        )
    )
    audit(
        f"referral_{status.value}",
        actor=by,
        person_id=referral.person_id,
        object_type="referral",
        object_id=referral.id,
    )
    _update_step(referral, by)
    events.referral_moved_on.send(referral, by=by)


def kept_from_person(referral: Referral) -> bool:
    """True when the referral rests on a share the person was not told about (and still has not been told of).

    Nothing the person can see may change because of it: their plan's step is left as it was.
    """
    if referral.override_id is None:
        return False
    override = db.session.get(SharingOverride, referral.override_id)
    return override is not None and override.kept_from_person


def _update_step(referral: Referral, by: User) -> None:
    """The plan step the referral came from follows it: done when the help is completed."""
    if referral.step_id is None or referral.status is not ReferralStatus.COMPLETED or kept_from_person(referral):
        return
    step = plans.load_item(referral.step_id)
    if step is not None and not step.is_done and step.plan.status.value == "active":
        plans.set_step_done(step, True, by=by)


def load(referral_id: int) -> Referral | None:
    """A referral with its service, organisation, person and history."""
    return db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .options(
            joinedload(Referral.service),
            joinedload(Referral.organisation),
            joinedload(Referral.person),
            joinedload(Referral.made_by),
            selectinload(Referral.events).joinedload(ReferralEvent.by),
        )
    )


# The inbox's sections, in the order a worker should deal with them.
INBOX_SECTIONS = ("overdue", "due_soon", "new", "open", "finished")
INBOX_PREVIEW = 5


# The inbox's statements are built once and run with the day's dates as parameters: building them
# afresh costs more than running them.
_TODAY = bindparam("today", type_=Date())
_SOON = bindparam("soon", type_=Date())
_ORGANISATION = bindparam("organisation_id", type_=Integer())
_NOW = bindparam("now", type_=UTCDateTime())


def _dates(today: date) -> dict:
    return {"today": today, "soon": today + timedelta(days=DUE_SOON_DAYS)}


@cache
def _section_clause(name: str):
    """Which referrals belong in one section of the inbox, as SQL (with the ``today`` and ``soon`` parameters)."""
    sent = Referral.status == ReferralStatus.SENT
    return {
        "overdue": sent & (Referral.respond_by < _TODAY),
        "due_soon": sent & (Referral.respond_by >= _TODAY) & (Referral.respond_by <= _SOON),
        "new": sent & (Referral.respond_by > _SOON),
        "open": Referral.status.in_(OPEN_STATUSES - {ReferralStatus.SENT}),
        "finished": Referral.status.not_in(OPEN_STATUSES),
    }[name]


@cache
def _counts_statement():
    counts = [func.count(Referral.id).filter(_section_clause(name)).label(name) for name in INBOX_SECTIONS]
    # The inbox's heading names the organisation: asked in the same statement, not in one of its own.
    organisation_name = select(Organisation.name).where(Organisation.id == _ORGANISATION).scalar_subquery()
    return select(*counts, organisation_name.label("organisation_name")).where(
        Referral.organisation_id == _ORGANISATION
    )


def inbox_counts(organisation_id: int, today: date) -> tuple[dict[str, int], str | None]:
    """How many of the organisation's referrals are in each section, and the organisation's name, in one query."""
    row = db.session.execute(_counts_statement(), {"organisation_id": organisation_id, **_dates(today)}).one()
    counted = row._mapping
    return {name: counted[name] or 0 for name in INBOX_SECTIONS}, counted["organisation_name"]


def _page_columns() -> tuple:
    """What a row of the inbox shows, as plain columns (a row needs six values, not the referral, its service and
    its person as whole records: reading those cost more than the rest of the page), with the person's id in place
    of their name."""
    return (
        Referral.id,
        Referral.person_id,
        Service.name.label("service_name"),
        Referral.urgency,
        Referral.status,
        Referral.respond_by,
    )


def _named(page, *more) -> Select:
    """The rows of ``page`` (a subquery of ``_page_columns``, already cut to the rows shown) as inbox rows, soonest
    reply date first: the person's name is read only while policy lets the organisation see it (something is
    shared right now), and otherwise ``person_name`` is None.

    Asked of the rows shown only: asked of every referral the page is chosen from, PostgreSQL hashed every consent
    of the organisation and every referral (to know which consents are spent) on each view.
    """
    named = policy.name_shown_to_organisation(page.c.person_id, _ORGANISATION, _NOW)
    name = select(Person.preferred_name).where(Person.id == page.c.person_id).scalar_subquery()
    return select(
        page.c.id,
        case((named, name), else_=None).label("person_name"),
        page.c.service_name,
        page.c.urgency,
        page.c.status,
        page.c.respond_by,
        *more,
    ).order_by(page.c.respond_by, page.c.id)


@cache
def _rows_statement(section: str) -> Select:
    page = (
        select(*_page_columns())
        .join(Service, Service.id == Referral.service_id)
        .where(Referral.organisation_id == _ORGANISATION, _section_clause(section))
        .order_by(Referral.respond_by, Referral.id)
        .limit(bindparam("limit", type_=Integer()))
        .offset(bindparam("offset", type_=Integer()))
        .subquery()
    )
    return _named(page)


def inbox_rows(organisation_id: int, today: date, section: str, *, limit: int, offset: int = 0) -> list[Row]:
    """One section's referrals as inbox rows (``_named``), soonest reply date first."""
    values = {"organisation_id": organisation_id, "now": utcnow(), "limit": limit, "offset": offset, **_dates(today)}
    return list(db.session.execute(_rows_statement(section), values))


@cache
def _preview_statement(limit: int) -> Select:
    section = case(*((_section_clause(name), name) for name in INBOX_SECTIONS[:-1]), else_=INBOX_SECTIONS[-1]).label(
        "section"
    )
    ranked = (
        select(
            Referral.id,
            section,
            func.row_number().over(partition_by=section, order_by=(Referral.respond_by, Referral.id)).label("n"),
        )
        .where(Referral.organisation_id == _ORGANISATION)
        .subquery()
    )
    page = (
        select(*_page_columns(), ranked.c.section)
        .join(Service, Service.id == Referral.service_id)
        .join(ranked, ranked.c.id == Referral.id)
        # The bounds are written into the statement (one statement per ``limit``, a whole number of ours): sent as
        # parameters, they kept PostgreSQL from keeping a plan for the statement, which it then planned afresh on
        # every view (0.9 ms). No more rows than the LIMIT can be chosen; saying so keeps PostgreSQL from
        # planning the names for every referral of the organisation.
        .where(ranked.c.n <= literal_column(str(int(limit))))
        .limit(literal_column(str(int(limit) * len(INBOX_SECTIONS))))
        .subquery()
    )
    return _named(page, page.c.section)


def inbox_preview(organisation_id: int, today: date, limit: int = INBOX_PREVIEW) -> dict[str, list[Row]]:
    """The first few referrals of every section as inbox rows, in one query whatever the size of the inbox."""
    values = {"organisation_id": organisation_id, "now": utcnow(), **_dates(today)}
    rows = db.session.execute(_preview_statement(limit), values)
    sections: dict[str, list[Row]] = {name: [] for name in INBOX_SECTIONS}
    for row in rows:
        sections[row.section].append(row)
    return sections


def of_person(person_id: int, *, viewer: User, with_history: bool = False) -> list[Referral]:
    """A person's referrals that ``viewer`` may see (``policy.referrals_shown_to``), newest first, with what their
    page shows loaded in a fixed number of queries."""
    options = [
        joinedload(Referral.service).selectinload(Service.need_domains),
        joinedload(Referral.organisation),
    ]
    if with_history:
        options.append(selectinload(Referral.events).joinedload(ReferralEvent.by))
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.person_id == person_id, policy.referrals_shown_to(viewer, person_id))
            .options(*options)
            .order_by(Referral.created_at.desc(), Referral.id.desc())
        ).unique()
    )


def unanswered_past_due(today: date, organisation_id: int | None = None, advocate_id: int | None = None) -> int:
    """How many referrals are still unanswered after their respond-by date (for flags on home pages)."""
    query = select(func.count(Referral.id)).where(Referral.status == ReferralStatus.SENT, Referral.respond_by < today)
    if organisation_id is not None:
        query = query.where(Referral.organisation_id == organisation_id)
    if advocate_id is not None:
        query = query.where(Referral.made_by_id == advocate_id)
    return db.session.scalar(query) or 0


# Below this many answered referrals a service's figures are no pattern: the pages say so instead of showing them.
MIN_ANSWERED_FOR_FIGURES = 5


def service_figures(service_ids: list[int]) -> dict[int, dict]:
    """For each service, from real referrals: how many were answered, the share accepted, typical days to reply
    (``few`` when there are too few answers to show them as a pattern)."""
    if not service_ids:
        return {}
    rows = db.session.execute(
        select(Referral.service_id, Referral.status, Referral.created_at, Referral.responded_at).where(
            Referral.service_id.in_(service_ids), Referral.responded_at.is_not(None)
        )
    ).all()
    by_service: dict[int, list] = {}
    for service_id, status, created, responded in rows:
        by_service.setdefault(service_id, []).append((status, (responded - created).total_seconds() / 86400))
    figures = {}
    for service_id, answers in by_service.items():
        days = sorted(d for _s, d in answers)
        middle = len(days) // 2
        median = days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2
        accepted = sum(1 for s, _d in answers if s is not ReferralStatus.DECLINED)
        figures[service_id] = {
            "answered": len(answers),
            "median_days": round(median),
            "accepted_percent": round(100 * accepted / len(answers)),
            "few": len(answers) < MIN_ANSWERED_FOR_FIGURES,
        }
    return figures


def find_services(
    *,
    domain: str | None = None,
    area: str | None = None,
    language: str | None = None,
    age: int | None = None,
    open_only: bool = False,
    exclude_service_id: int | None = None,
) -> list[Service]:
    """Services matching a need: by domain, area (words in the area description), language, age and capacity."""
    query = select(Service).options(
        joinedload(Service.organisation), selectinload(Service.languages), selectinload(Service.need_domains)
    )
    if domain:
        query = query.where(
            Service.id.in_(select(ServiceNeedDomain.service_id).where(ServiceNeedDomain.domain == domain)),
            Service.id.not_in(directory_services.stopped_for(domain)),
        )
    if area:
        query = query.where(func.lower(Service.area_description).contains(area.strip().lower()))
    if language:
        query = query.where(
            Service.id.in_(select(ServiceLanguage.service_id).where(ServiceLanguage.language == language))
        )
    if age is not None:
        query = query.where((Service.minimum_age.is_(None)) | (Service.minimum_age <= age))
        query = query.where((Service.maximum_age.is_(None)) | (Service.maximum_age >= age))
    if open_only:
        query = query.where(Service.capacity_status != CapacityStatus.CLOSED)
    if exclude_service_id is not None:
        query = query.where(Service.id != exclude_service_id)
    return list(db.session.scalars(query.order_by(Service.capacity_status, Service.name)).unique())


# Declines about the whole organisation, or about the person whoever at the organisation sees them: another
# service of the same organisation would answer the same. Any other reason (no space in this service, the person
# did not want this one, another reason) leaves the organisation's other services worth trying.
WHOLE_ORGANISATION_REASONS = frozenset(
    {DeclineReason.NOT_ELIGIBLE, DeclineReason.DUPLICATE, DeclineReason.UNABLE_TO_CONTACT}
)


def same_organisation_allowed(referral: Referral) -> bool:
    """After this decline, may other services of the same organisation be suggested?"""
    return referral.decline_reason not in WHOLE_ORGANISATION_REASONS


def alternatives_for(declined: list[Referral]) -> dict[int, list[Service]]:
    """Other open services for the same need after a decline, for many referrals at once: one search per need domain.

    The domain is the need the referral's step belongs to, else the first the declined service serves (load
    ``Referral.service`` with its need domains, as ``of_person`` does). Other services of the same organisation are
    included unless the decline was about the whole organisation (``WHOLE_ORGANISATION_REASONS``).
    """
    step_ids = {r.step_id for r in declined if r.step_id is not None}
    domain_of_step: dict[int, str | None] = {}
    if step_ids:
        goal, need = aliased(PlanItem), aliased(PlanItem)
        domain_of_step = dict(
            db.session.execute(
                select(PlanItem.id, need.domain)
                .join(goal, goal.id == PlanItem.parent_id)
                .join(need, need.id == goal.parent_id)
                .where(PlanItem.id.in_(step_ids))
            ).all()
        )
    domains: dict[int, str | None] = {}
    for referral in declined:
        domain = domain_of_step.get(referral.step_id) if referral.step_id is not None else None
        if domain is None and referral.service.need_domains:
            domain = sorted(d.domain for d in referral.service.need_domains)[0]
        domains[referral.id] = domain
    matches = {domain: find_services(domain=domain, open_only=True) for domain in set(domains.values())}
    return {
        referral.id: [
            s
            for s in matches[domains[referral.id]]
            if s.id != referral.service_id
            and (s.organisation_id != referral.organisation_id or same_organisation_allowed(referral))
        ][:5]
        for referral in declined
    }


def by_step(step_ids: list[int], viewer: User, person_id: int) -> dict[int, list[Referral]]:
    """The referrals made from each of these steps that ``viewer`` may see, oldest first, in one query whatever
    the number of steps."""
    if not step_ids:
        return {}
    rows = db.session.scalars(
        select(Referral)
        .where(Referral.step_id.in_(step_ids), policy.referrals_shown_to(viewer, person_id))
        .options(joinedload(Referral.service), joinedload(Referral.organisation))
        .order_by(Referral.created_at, Referral.id)
    )
    steps: dict[int, list[Referral]] = defaultdict(list)
    for referral in rows:
        steps[referral.step_id].append(referral)
    return steps


def refer_from_plan(person: Person, service: Service, *, step: PlanItem | None, by: User, **details):
    """Make a referral (``details`` as ``make_referral``'s) and, when it is made from a step, make the step one
    an organisation does (unless the step already named one; kept as a revision). A share the person was not
    told about changes nothing they can see, their plan included.

    :returns: the referral and the step it hangs on (the one given, or the one made for a need), if any.
    :raises ReferralError: as ``make_referral``, before anything is added.
    """
    referral = make_referral(person, service, step=step, by=by, **details)
    if step is not None and not kept_from_person(referral):
        if not (step.owner is StepOwner.ORGANISATION and step.owner_detail):
            plans.edit_item(
                step,
                plans.ItemFields(
                    text=step.text, owner=StepOwner.ORGANISATION, owner_detail=service.name, due_date=step.due_date
                ),
                by=by,
            )
    return referral, step or (plans.load_item(referral.step_id) if referral.step_id else None)
