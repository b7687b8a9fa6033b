"""The retention rule: anonymise people whose case closed long enough ago, keeping the aggregate figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from advocate_app import db
from advocate_app.accounts.models import SetupCode, User, UserSession
from advocate_app.audit.services import record as audit
from advocate_app.consent.models import BreakGlass, Consent, SharingOverride
from advocate_app.db import Base
from advocate_app.people.models import Person, PersonStatus, SafeWindow
from advocate_app.plans.models import CheckIn, Plan, PlanComment, PlanItem, PlanItemRevision, Review
from advocate_app.team import records as team_records

ANONYMISED_NAME = "Anonymised"
RETENTION_BATCH = 500


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The moment ``years`` before ``now`` (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _not_yet_anonymised():
    return Person.anonymised_at.is_(None)


def due_for_retention(now: datetime, years: int):
    """A query for the ids of people whose case closed more than ``years`` ago and who still hold content."""
    return select(Person.id).where(
        Person.status == PersonStatus.CLOSED,
        Person.closed_at.is_not(None),
        Person.closed_at < retention_cutoff(now, years),
        _not_yet_anonymised(),
    )


def _user_reference_columns():
    """Columns that point at a user and would block deleting one (every feature's, present and future)."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name == User.__tablename__ and key.ondelete is None and column.nullable:
                    yield table, column


def _delete_logins(person_ids: list[int]) -> None:
    logins = select(User.id).where(User.person_id.in_(person_ids)).scalar_subquery()
    # Who wrote what stays as a role ("individual"); the link to the deleted login goes.
    for table, column in _user_reference_columns():
        db.session.execute(table.update().where(column.in_(logins)).values({column.name: None}))
    db.session.execute(delete(UserSession).where(UserSession.user_id.in_(logins)))
    db.session.execute(delete(User).where(User.person_id.in_(person_ids)))


def _anonymise_people(person_ids: list[int], now: datetime) -> None:
    # Area and language stay (figures by area); the year of birth does not: it adds little to the
    # figures kept and, with area and dates, helps pick out someone in a small place.
    db.session.execute(
        update(Person)
        .where(Person.id.in_(person_ids))
        .values(
            preferred_name=ANONYMISED_NAME,
            phone_e164=None,
            date_of_birth=None,
            code_word_hash=None,
            contact_notes="",
            contact_review_date=None,
            updated_at=now,
            anonymised_at=now,
        )
    )
    db.session.execute(delete(SafeWindow).where(SafeWindow.person_id.in_(person_ids)))
    db.session.execute(delete(SetupCode).where(SetupCode.person_id.in_(person_ids)))


def _anonymise_plans(person_ids: list[int]) -> None:
    """Empty every piece of free text in plans; kinds, domains, priorities, statuses, dates and scores stay."""
    execute = db.session.execute
    plan_ids = select(Plan.id).where(Plan.person_id.in_(person_ids)).scalar_subquery()
    item_ids = select(PlanItem.id).where(PlanItem.plan_id.in_(plan_ids)).scalar_subquery()
    execute(
        update(PlanItem)
        .where(PlanItem.id.in_(item_ids))
        .values(
            text="", owner_detail=None, proposed_text=None, proposed_voice=None, proposed_by_id=None, proposed_at=None
        )
    )
    revisions = execute(
        select(PlanItemRevision.id, PlanItemRevision.fields).where(PlanItemRevision.item_id.in_(item_ids))
    ).all()
    execute(update(PlanItemRevision).where(PlanItemRevision.item_id.in_(item_ids)).values(text=""))
    # Who does a step is free text kept inside each revision's snapshot of the fields.
    scrubbed = [{"id": i, "fields": {**f, "owner_detail": None}} for i, f in revisions if (f or {}).get("owner_detail")]
    if scrubbed:
        execute(update(PlanItemRevision), scrubbed)
    execute(update(PlanComment).where(PlanComment.item_id.in_(item_ids)).values(body=""))
    execute(update(Review).where(Review.plan_id.in_(plan_ids)).values(went_well="", what_changed=""))
    execute(update(CheckIn).where(CheckIn.person_id.in_(person_ids)).values(note=""))


def _anonymise_consents(person_ids: list[int]) -> None:
    """Empty the words of consents, overrides and break-glass reasons; kinds, organisations and dates stay."""
    # A bulk UPDATE passes by the consent ledger's append-only guard on purpose: erasing the words at the
    # end of retention is the one change allowed to a consent besides its withdrawal.
    db.session.execute(update(Consent).where(Consent.person_id.in_(person_ids)).values(statement_text="", purpose=""))
    db.session.execute(
        update(SharingOverride)
        .where(SharingOverride.person_id.in_(person_ids))
        .values(reasons="", what_shared="", not_told_reason="", decision_note="")
    )
    db.session.execute(update(BreakGlass).where(BreakGlass.person_id.in_(person_ids)).values(reason=""))


def apply_retention(now: datetime, years: int, dry_run: bool = False) -> int:
    """Anonymise everyone whose case closed more than ``years`` before ``now``; returns how many.

    Aggregate figures stay (needs by domain, goal statuses, check-in scores and dates, plan and consent dates,
    the audit trail); names, contact details, free text and the person's login go. Running it again changes
    nothing. Flushes; the caller commits.

    :param dry_run: count who would be anonymised, and change nothing.
    """
    person_ids = list(db.session.scalars(due_for_retention(now, years).order_by(Person.id)))
    if dry_run or not person_ids:
        return len(person_ids)
    # In batches, so no statement carries more ids than a database accepts.
    for start in range(0, len(person_ids), RETENTION_BATCH):
        batch = person_ids[start : start + RETENTION_BATCH]
        _anonymise_people(batch, now)
        _anonymise_plans(batch)
        _anonymise_consents(batch)
        team_records.anonymise(batch)
        _delete_logins(batch)
        for person_id in batch:
            audit("anonymised", actor=None, person_id=person_id, object_type="person", object_id=person_id)
        db.session.flush()
    # The bulk statements bypassed the identity map: nothing cached may show the old content.
    db.session.expire_all()
    return len(person_ids)
