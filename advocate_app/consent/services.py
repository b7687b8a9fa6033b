"""Consent rules: giving and withdrawing, what an organisation may see, overrides, walls, break glass."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale, format_date
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from advocate_app import db, events, policy
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.consent import statements
from advocate_app.consent.models import (
    BreakGlass,
    Category,
    Consent,
    ConsentKind,
    GivenHow,
    LeadJustification,
    OverrideStatus,
    PersonLink,
    Purpose,
    SharingOverride,
)
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Assignment, Person
from advocate_app.referrals.models import OPEN_STATUSES, Referral

DEFAULT_CONSENT_DAYS = 365
OVERRIDE_DAYS = 90
BREAK_GLASS_MINUTES = 30

LAWFUL_BASES = ("vital_interests", "public_task", "legitimate_interests", "legal_obligation")
DPA_CONDITIONS = ("para_18", "para_10", "para_6", "para_8", "para_19")


class ConsentError(ValueError):
    """A consent rule was broken; ``field`` names the form field to show it next to."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.field = field


def _categories_text(categories) -> str:
    return ",".join(sorted({Category(c).value for c in categories}))


def give(
    person: Person,
    kind: ConsentKind,
    *,
    given_how: GivenHow,
    by: User | None,
    language: str,
    organisation: Organisation | None = None,
    purpose: str = "",
    purpose_code: str = "other",
    categories=(),
    days: int = DEFAULT_CONSENT_DAYS,
    now: datetime | None = None,
) -> Consent:
    """Record a consent with the exact statement shown, in the language it was shown in.

    :param by: who recorded it (the person themselves in the app, or their advocate); ``None`` for an SMS reply.
    :param purpose_code: a ``Purpose`` from the list; for ``other`` the purpose is ``purpose``, the words typed.
    :raises ConsentError: for sharing without an organisation, a purpose or at least one category.
    """
    now = now or utcnow()
    if kind is ConsentKind.SHARING:
        if organisation is None:
            raise ConsentError("organisation", field="organisation_id")
        if purpose_code not in set(Purpose):
            raise ConsentError("purpose", field="purpose_code")
        if purpose_code == Purpose.OTHER and not purpose.strip():
            raise ConsentError("purpose", field="purpose")
        if not categories:
            raise ConsentError("categories", field="categories")
    expires = now + timedelta(days=days)
    version = statements.CURRENT_VERSION[kind]
    with force_locale(language):
        expiry_text = format_date(expires, "d MMMM yyyy")
    text = statements.render(
        kind,
        version,
        language,
        organisation=organisation.name if organisation else "",
        categories=categories,
        purpose_code=purpose_code,
        purpose=purpose.strip(),
        expiry=expiry_text,
    )
    consent = Consent(
        person_id=person.id,
        kind=kind,
        organisation_id=organisation.id if organisation else None,
        purpose_code=purpose_code if kind is ConsentKind.SHARING else "",
        purpose=purpose.strip() if purpose_code == Purpose.OTHER else "",
        categories=_categories_text(categories),
        statement_version=version,
        statement_language=language,
        statement_text=text,
        given_how=given_how,
        given_at=now,
        recorded_by_id=by.id if by else None,
        expires_at=expires,
    )
    db.session.add(consent)
    db.session.flush()
    audit("consent_given", actor=by, person_id=person.id, object_type="consent", object_id=consent.id)
    return consent


def withdraw(consent: Consent, *, how: GivenHow, by: User | None, now: datetime | None = None) -> bool:
    """Withdraw a consent; it stops covering anything on the very next request.

    :returns: False when it was already withdrawn (nothing changes).
    """
    if consent.withdrawn_at is not None:
        return False
    now = now or utcnow()
    consent.withdrawn_at = now
    consent.withdrawn_how = how
    consent.withdrawn_by_id = by.id if by else None
    audit("consent_withdrawn", actor=by, person_id=consent.person_id, object_type="consent", object_id=consent.id)
    events.consent_withdrawn.send(consent, by=by, now=now)
    return True


def consents_of(person_id: int) -> list[Consent]:
    """Every consent a person has given, newest first, with the organisation loaded."""
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.person_id == person_id)
            .options(joinedload(Consent.organisation), joinedload(Consent.recorded_by))
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        )
    )


def has_active_sms_consent(person_id: int, now: datetime | None = None) -> bool:
    """True while the person has an SMS consent that is neither withdrawn nor expired."""
    now = now or utcnow()
    return (
        db.session.scalar(
            select(Consent.id).where(
                Consent.person_id == person_id,
                Consent.kind == ConsentKind.SMS,
                Consent.in_force(now),
            )
        )
        is not None
    )


# A consent or override that referrals rested on is spent once every one of them is declined, withdrawn or
# finished: the organisation keeps the referral's status history and its own notes, but no longer sees what
# was shared (as after a withdrawal), unless another live referral, consent or override covers it. One that
# no referral has used yet is a standing agreement and counts while it is in force.


def _spent_consent():
    return and_(
        exists().where(Referral.consent_id == Consent.id),
        ~exists().where(Referral.consent_id == Consent.id, Referral.status.in_(OPEN_STATUSES)),
    )


def _spent_override():
    return and_(
        exists().where(Referral.override_id == SharingOverride.id),
        ~exists().where(Referral.override_id == SharingOverride.id, Referral.status.in_(OPEN_STATUSES)),
    )


def _live_consents(now: datetime, *, include_spent: bool = False):
    clauses = [Consent.kind == ConsentKind.SHARING, Consent.in_force(now)]
    return and_(*clauses) if include_spent else and_(*clauses, ~_spent_consent())


def _live_overrides(now: datetime, *, include_spent: bool = False):
    clauses = [SharingOverride.status == OverrideStatus.APPROVED, SharingOverride.expires_at > now]
    return and_(*clauses) if include_spent else and_(*clauses, ~_spent_override())


def active_sharing(
    person_id: int, organisation_id: int, now: datetime | None = None, *, include_spent: bool = False
) -> tuple[list[Consent], list[SharingOverride]]:
    """The consents (newest first) and approved overrides that let ``organisation_id`` see something now.

    :param include_spent: also those whose referrals are all over (still in force, so a new referral may rest on
        them; they let the organisation see nothing until it does).
    """
    now = now or utcnow()
    consents = db.session.scalars(
        select(Consent)
        .where(
            Consent.person_id == person_id,
            Consent.organisation_id == organisation_id,
            _live_consents(now, include_spent=include_spent),
        )
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    ).all()
    overrides = db.session.scalars(
        select(SharingOverride).where(
            SharingOverride.person_id == person_id,
            SharingOverride.organisation_id == organisation_id,
            _live_overrides(now, include_spent=include_spent),
        )
    ).all()
    return list(consents), list(overrides)


def referable_categories(person_id: int, organisation_id: int, now: datetime | None = None) -> frozenset[Category]:
    """What a new referral to ``organisation_id`` may share: everything a consent or override in force covers."""
    consents, overrides = active_sharing(person_id, organisation_id, now, include_spent=True)
    covered: set[Category] = set()
    for record in (*consents, *overrides):
        covered |= record.category_set
    return frozenset(covered)


def shared_categories(person_id: int, organisation_id: int, now: datetime | None = None) -> frozenset[Category]:
    """Everything ``organisation_id`` may see about a person right now, by consent or approved override (not one
    whose referrals are all over)."""
    consents, overrides = active_sharing(person_id, organisation_id, now)
    covered: set[Category] = set()
    for record in (*consents, *overrides):
        covered |= record.category_set
    return frozenset(covered)


def people_sharing_with(organisation_id: int, now: datetime | None = None):
    """A subquery of the ids of people who share something with ``organisation_id`` right now (both may be bound
    parameters, for a statement built once)."""
    now = utcnow() if now is None else now
    by_consent = select(Consent.person_id).where(Consent.organisation_id == organisation_id, _live_consents(now))
    by_override = select(SharingOverride.person_id).where(
        SharingOverride.organisation_id == organisation_id, _live_overrides(now)
    )
    return by_consent.union(by_override)


def shares_with(person_id, organisation_id, now):
    """SQL: whether the person ``person_id`` (a column, for a statement of rows) shares something with
    ``organisation_id`` right now: the question of ``people_sharing_with``, asked for one person.

    Each asking looks the person's consents and overrides up by index (and each consent's referrals, for whether
    it is spent), so it belongs where the rows are already few: a page of rows after its LIMIT, not the rows a
    page is chosen from.
    """
    by_consent = exists().where(
        Consent.person_id == person_id, Consent.organisation_id == organisation_id, _live_consents(now)
    )
    by_override = exists().where(
        SharingOverride.person_id == person_id,
        SharingOverride.organisation_id == organisation_id,
        _live_overrides(now),
    )
    return or_(by_consent, by_override)


def organisations_shared_with(person_id: int, now: datetime | None = None, *, include_spent: bool = False) -> set[int]:
    """The organisations an agreement in force (or an approved override) lets see something of the person now.

    :param include_spent: also those whose referrals are all over (a new referral may still rest on them).
    """
    now = now or utcnow()
    by_consent = select(Consent.organisation_id).where(
        Consent.person_id == person_id, _live_consents(now, include_spent=include_spent)
    )
    by_override = select(SharingOverride.organisation_id).where(
        SharingOverride.person_id == person_id, _live_overrides(now, include_spent=include_spent)
    )
    return {org_id for (org_id,) in db.session.execute(by_consent.union(by_override)) if org_id is not None}


def request_override(
    person: Person,
    *,
    organisation: Organisation | None,
    categories,
    lawful_basis: str,
    dpa_condition: str,
    reasons: str,
    what_shared: str,
    person_told: bool | None,
    not_told_reason: str,
    by: User,
    now: datetime | None = None,
) -> SharingOverride:
    """Ask to share without consent. It waits for a coordinator and changes nothing until approved.

    :raises ConsentError: when any part the law asks for is missing (reasons, condition, basis…).
    """
    checks = [
        (organisation is not None, "organisation", "organisation_id"),
        (bool(categories), "categories", "categories"),
        (lawful_basis in LAWFUL_BASES, "lawful_basis", "lawful_basis"),
        (dpa_condition in DPA_CONDITIONS, "dpa_condition", "dpa_condition"),
        (len(reasons.strip()) >= 20, "reasons", "reasons"),
        (person_told is not None, "person_told", "person_told"),
        (person_told is not False or bool(not_told_reason.strip()), "not_told_reason", "not_told_reason"),
    ]
    for ok, code, field in checks:
        if not ok:
            raise ConsentError(code, field=field)
    now = now or utcnow()
    override = SharingOverride(
        person_id=person.id,
        organisation_id=organisation.id,
        categories=_categories_text(categories),
        lawful_basis=lawful_basis,
        dpa_condition=dpa_condition,
        reasons=reasons.strip(),
        what_shared=what_shared.strip(),
        person_told=bool(person_told),
        not_told_reason=not_told_reason.strip(),
        requested_by_id=by.id,
        requested_at=now,
        expires_at=now + timedelta(days=OVERRIDE_DAYS),
    )
    db.session.add(override)
    db.session.flush()
    audit("override_requested", actor=by, person_id=person.id, object_type="sharing_override", object_id=override.id)
    return override


def decide_override(override: SharingOverride, *, approve: bool, note: str, by: User) -> None:
    """A coordinator approves or refuses a pending override.

    :raises ConsentError: when it is not pending, or the decider is not a coordinator or asked for it.
    """
    if override.status is not OverrideStatus.PENDING:
        raise ConsentError("not_pending")
    if not policy.may_decide_override(by, override):
        raise ConsentError("not_allowed")
    now = utcnow()
    override.status = OverrideStatus.APPROVED if approve else OverrideStatus.REJECTED
    override.decided_by_id = by.id
    override.decided_at = now
    override.decision_note = note.strip()
    if approve:
        # The period of sharing runs from approval, not from the request.
        override.expires_at = now + timedelta(days=OVERRIDE_DAYS)
    audit(
        "override_approved" if approve else "override_rejected",
        actor=by,
        person_id=override.person_id,
        object_type="sharing_override",
        object_id=override.id,
    )


def record_person_told(override: SharingOverride, *, by: User, now: datetime | None = None) -> None:
    """A coordinator records that the person has now been told of a share they were not told about.

    From the next request the share, and the referrals resting on it, show on the person's own pages and copy.

    :raises ConsentError: when the person was told already, or ``by`` is not a coordinator.
    """
    if not policy.can(by, policy.Action.OVERRIDE_RECORD_TOLD):
        raise ConsentError("not_allowed")
    # Two coordinators recording it at once: the second sees the first's record and is told so.
    db.lock(SharingOverride, override.id)
    db.session.refresh(override)
    if not override.kept_from_person:
        raise ConsentError("already_told")
    override.told_at = now or utcnow()
    override.told_by_id = by.id
    audit(
        "override_person_told",
        actor=by,
        person_id=override.person_id,
        object_type="sharing_override",
        object_id=override.id,
    )


def kept_from_people() -> list[SharingOverride]:
    """Approved or waiting shares the person has not been told about, oldest first: a coordinator reviews them."""
    return list(
        db.session.scalars(
            select(SharingOverride)
            .where(
                SharingOverride.person_told.is_(False),
                SharingOverride.told_at.is_(None),
                SharingOverride.status.in_((OverrideStatus.PENDING, OverrideStatus.APPROVED)),
            )
            .options(joinedload(SharingOverride.organisation), joinedload(SharingOverride.requested_by))
            .order_by(SharingOverride.requested_at)
        )
    )


def pending_overrides() -> list[SharingOverride]:
    """Overrides waiting for a coordinator, oldest first."""
    return list(
        db.session.scalars(
            select(SharingOverride)
            .where(SharingOverride.status == OverrideStatus.PENDING)
            .options(joinedload(SharingOverride.organisation), joinedload(SharingOverride.requested_by))
            .order_by(SharingOverride.requested_at)
        )
    )


def overrides_of(person_id: int) -> list[SharingOverride]:
    """Every override about a person, newest first."""
    return list(
        db.session.scalars(
            select(SharingOverride)
            .where(SharingOverride.person_id == person_id)
            .options(
                joinedload(SharingOverride.organisation),
                joinedload(SharingOverride.requested_by),
                joinedload(SharingOverride.decided_by),
            )
            .order_by(SharingOverride.requested_at.desc())
        )
    )


# Information walls -----------------------------------------------------------------------------


def staff_across(person_id: int, other_id: int) -> list[int]:
    """Advocates working with both people now (lead or not): a wall between them puts them on both sides."""
    return list(
        db.session.scalars(
            select(Assignment.advocate_id)
            .where(Assignment.person_id == person_id, Assignment.ended_at.is_(None))
            .intersect(
                select(Assignment.advocate_id).where(Assignment.person_id == other_id, Assignment.ended_at.is_(None))
            )
        )
    )


def record_link(person: Person, other: Person, *, description: str, by: User, justification: str = "") -> PersonLink:
    """Record a harm relationship between two people; from then on nothing of one shows in the other.

    When someone already works with both, the wall puts them on both sides: a coordinator's written
    ``justification`` is needed, and is kept for each of them.

    :raises ConsentError: for the same person twice, or a missing justification.
    """
    if person.id == other.id:
        raise ConsentError("same_person", field="other_person_id")
    first, second = sorted((person.id, other.id))
    existing = db.session.scalar(
        select(PersonLink).where(
            PersonLink.person_id == first, PersonLink.other_person_id == second, PersonLink.ended_at.is_(None)
        )
    )
    if existing is not None:
        return existing
    across = staff_across(person.id, other.id)
    if across and len(justification.strip()) < 20:
        raise ConsentError("justification", field="justification")
    link = PersonLink(person_id=first, other_person_id=second, description=description.strip(), recorded_by_id=by.id)
    try:
        # The same link recorded twice at once (a double tap): the first one stands.
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError:
        return db.session.scalar(
            select(PersonLink).where(PersonLink.person_id == first, PersonLink.other_person_id == second)
        )
    audit("link_recorded", actor=by, person_id=person.id, object_type="person_link", object_id=link.id)
    audit("link_recorded", actor=by, person_id=other.id, object_type="person_link", object_id=link.id)
    for advocate_id in across:
        _justify(link, advocate_id, justification, by)
    return link


def walled_from(person_id: int) -> set[int]:
    """The people on the other side of an information wall from ``person_id``."""
    rows = db.session.execute(
        select(PersonLink.person_id, PersonLink.other_person_id).where(
            or_(PersonLink.person_id == person_id, PersonLink.other_person_id == person_id),
            PersonLink.ended_at.is_(None),
        )
    ).all()
    return {b if a == person_id else a for a, b in rows}


def links_needing_justification(person_id: int, advocate_id: int) -> list[PersonLink]:
    """Harm links that would put ``advocate_id`` on both sides (lead or not), with no justification recorded."""
    others = walled_from(person_id)
    if not others:
        return []
    works_with_other = set(
        db.session.scalars(
            select(Assignment.person_id).where(
                Assignment.person_id.in_(others),
                Assignment.advocate_id == advocate_id,
                Assignment.ended_at.is_(None),
            )
        )
    )
    if not works_with_other:
        return []
    links = db.session.scalars(
        select(PersonLink).where(
            or_(
                (PersonLink.person_id == person_id) & PersonLink.other_person_id.in_(works_with_other),
                (PersonLink.other_person_id == person_id) & PersonLink.person_id.in_(works_with_other),
            ),
            PersonLink.ended_at.is_(None),
        )
    ).all()
    justified = set(
        db.session.scalars(select(LeadJustification.link_id).where(LeadJustification.advocate_id == advocate_id))
    )
    return [link for link in links if link.id not in justified]


def _justify(link: PersonLink, advocate_id: int, reason: str, by: User) -> None:
    justification = LeadJustification(
        advocate_id=advocate_id, link_id=link.id, reason=reason.strip(), recorded_by_id=by.id
    )
    db.session.add(justification)
    db.session.flush()
    # In both records' trails (the person's own view of their trail leaves wall events out).
    for person_id in (link.person_id, link.other_person_id):
        audit(
            "lead_justified",
            actor=by,
            person_id=person_id,
            object_type="lead_justification",
            object_id=justification.id,
        )


def justify_lead(links: list[PersonLink], *, advocate: User, reason: str, by: User) -> None:
    """Record why one advocate may work on both sides of these links (as lead or not)."""
    if len(reason.strip()) < 20:
        raise ConsentError("justification", field="justification")
    for link in links:
        _justify(link, advocate.id, reason, by)


def advocates_across_walls(person_ids) -> dict[int, set[int]]:
    """For each of these people, the advocates a coordinator allowed, in writing, to work on both sides of a wall."""
    rows = db.session.execute(
        select(PersonLink.person_id, PersonLink.other_person_id, LeadJustification.advocate_id)
        .join(LeadJustification, LeadJustification.link_id == PersonLink.id)
        .where(
            PersonLink.ended_at.is_(None),
            or_(PersonLink.person_id.in_(person_ids), PersonLink.other_person_id.in_(person_ids)),
        )
    ).all()
    across: dict[int, set[int]] = {}
    for first, second, advocate_id in rows:
        for person_id in (first, second):
            across.setdefault(person_id, set()).add(advocate_id)
    return across


def justifications_for(person_id: int) -> list[tuple[LeadJustification, str, str]]:
    """The written reasons for anyone working on both sides of a wall around a person, for coordinators:
    each with the advocate's name and who recorded it."""
    advocate, recorder = aliased(User), aliased(User)
    rows = db.session.execute(
        select(LeadJustification, advocate.display_name, recorder.display_name)
        .join(PersonLink, PersonLink.id == LeadJustification.link_id)
        .join(advocate, advocate.id == LeadJustification.advocate_id)
        .outerjoin(recorder, recorder.id == LeadJustification.recorded_by_id)
        .where(
            PersonLink.ended_at.is_(None),
            or_(PersonLink.person_id == person_id, PersonLink.other_person_id == person_id),
        )
        .order_by(LeadJustification.created_at, LeadJustification.id)
    ).all()
    return [(justification, name, recorder_name or "") for justification, name, recorder_name in rows]


# Break glass ------------------------------------------------------------------------------------


def open_break_glass(user: User, person: Person, reason: str, now: datetime | None = None) -> BreakGlass:
    """A coordinator opens a person's record for a written reason, for a short time; audited and shown to the person."""
    if not policy.can(user, policy.Action.BREAK_GLASS):
        raise ConsentError("not_allowed")
    if len(reason.strip()) < 20:
        raise ConsentError("reason", field="reason")
    now = now or utcnow()
    record = BreakGlass(
        user_id=user.id,
        person_id=person.id,
        reason=reason.strip(),
        opened_at=now,
        expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    db.session.add(record)
    db.session.flush()
    audit("break_glass", actor=user, person_id=person.id, object_type="break_glass", object_id=record.id)
    return record


def has_break_glass(user: User, person_id: int, now: datetime | None = None) -> bool:
    """True while ``user`` has an open break-glass on this person."""
    now = now or utcnow()
    return (
        db.session.scalar(
            select(BreakGlass.id).where(
                BreakGlass.user_id == user.id, BreakGlass.person_id == person_id, BreakGlass.expires_at > now
            )
        )
        is not None
    )
