"""The one authorisation policy: every access decision in the app is a question asked here.

Views declare the action they need with ``@requires(Action.X)`` and ask ``person_or_404``/``can`` about the
record; services guarding a rule ask the same functions; templates ask ``may(action, record)``; lists come
from ``visible_people``. Nothing outside this module compares roles to allow or deny (tests/test_one_door.py).

Decisions rest on the user's role, their relationship to the record (the person themselves, an
advocate on their case, an organisation they share with, a coordinator who broke the glass) and, for
organisations, the consent in force and the category of information.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache, wraps

from flask import abort, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import Integer, Select, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from advocate_app import db
from advocate_app.accounts.models import Role, User
from advocate_app.audit.models import AuditEvent
from advocate_app.consent.models import (
    Category,
    Consent,
    ConsentKind,
    LeadJustification,
    OverrideStatus,
    PersonLink,
    SharingOverride,
)
from advocate_app.people.models import Assignment, Person
from advocate_app.plans.models import ItemKind, Voice
from advocate_app.referrals.models import Referral


class Action(StrEnum):
    PERSON_CREATE = "person.create"
    PERSON_VIEW = "person.view"
    PERSON_EDIT = "person.edit"
    PERSON_SETUP_LOGIN = "person.setup_login"
    PERSON_CLOSE = "person.close"
    SHARED_VIEW = "shared.view"
    ASSIGNMENTS_MANAGE = "assignments.manage"
    ORGANISATIONS_MANAGE = "organisations.manage"
    USERS_MANAGE = "users.manage"
    LINKS_MANAGE = "links.manage"
    REFERRALS_RECEIVE = "referrals.receive"
    PLAN_VIEW = "plan.view"
    PLAN_WRITE = "plan.write"
    PLAN_START = "plan.start"
    CONSENT_VIEW = "consent.view"
    CONSENT_RECORD = "consent.record"
    CONSENT_WITHDRAW = "consent.withdraw"
    OVERRIDE_REQUEST = "override.request"
    OVERRIDE_DECIDE = "override.decide"
    OVERRIDE_RECORD_TOLD = "override.record_told"
    BREAK_GLASS = "break_glass.open"
    RECORD_EXPORT = "record.export"
    ACCESS_LOG_VIEW = "access_log.view"
    REFERRAL_MAKE = "referral.make"
    REFERRALS_OF_PERSON = "referrals.of_person"
    DIRECTORY_VIEW = "directory.view"
    EVIDENCE_VIEW = "evidence.view"
    EVIDENCE_EXPORT = "evidence.export"
    EVALUATION_PLAN_WRITE = "evaluation_plan.write"
    EVALUATION_REPORT_VIEW = "evaluation_report.view"
    SMS_INBOX = "sms.inbox"
    # An advocate's own pages: their caseload, adding to it, the texts sent to their people.
    CASELOAD_VIEW = "caseload.view"
    # The person's own home pages (their plan, details and progress, reached without an id).
    OWN_RECORD = "own_record.view"
    # A member of staff's view of a person's record: their advocate, or a coordinator under break glass.
    CASE_VIEW = "case.view"
    # Everything around the plan beyond the plan itself: an entry's history and comments, check-ins, the
    # journey, earlier plans, the meeting summary, progress. Not opened by break glass.
    PLAN_FOLLOW = "plan.follow"
    # The sharing-without-consent requests made for a person (their advocate sees them beside the consents).
    OVERRIDES_OF_PERSON = "overrides.of_person"
    # Turning sign-in codes off: staff must keep them.
    TWO_FACTOR_OFF = "two_factor.off"
    # Taking back one's own suggested new wording for a plan entry (the record is the entry).
    SUGGESTION_WITHDRAW = "suggestion.withdraw"
    # Figures for the whole partnership (or one organisation), not just one's own caseload.
    EVIDENCE_PARTNERSHIP = "evidence.partnership"
    # The team around the person: the order of needs, who leads one, the choice over a second organisation on a
    # need, and the advocate's list of people with no direct contact lately.
    NEEDS_ORDER = "needs.order"
    NEED_LEAD_SET = "need_lead.set"
    OVERLAP_DECIDE = "overlap.decide"
    NO_CONTACT_LIST = "no_contact.list"
    # Staff record whether each action was done with the person or about them (the person's own are their own).
    CONTACT_RECORD = "contact.record"
    # The person's verdict on finished help, an organisation's view of its own, and the partnership's reviews.
    VERDICT_GIVE = "verdict.give"
    VERDICTS_OF_ORGANISATION = "verdicts.of_organisation"
    PARTNERSHIP_REVIEW = "partnership.review"
    OFFLINE_TAKE = "offline.take"
    OFFLINE_USE = "offline.use"


# Actions decided by role alone.
_ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.PERSON_CREATE: frozenset({Role.ADVOCATE}),
    Action.ASSIGNMENTS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.ORGANISATIONS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.USERS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.LINKS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.OVERRIDE_DECIDE: frozenset({Role.COORDINATOR}),
    Action.OVERRIDE_RECORD_TOLD: frozenset({Role.COORDINATOR}),
    Action.BREAK_GLASS: frozenset({Role.COORDINATOR}),
    Action.REFERRALS_RECEIVE: frozenset({Role.ORG_WORKER}),
    Action.DIRECTORY_VIEW: frozenset({Role.ADVOCATE, Role.ORG_WORKER, Role.COORDINATOR}),
    # Aggregate figures only: a coordinator's across organisations, an advocate's over their own caseload.
    Action.EVIDENCE_VIEW: frozenset({Role.ADVOCATE, Role.COORDINATOR}),
    Action.EVIDENCE_EXPORT: frozenset({Role.COORDINATOR}),
    Action.EVALUATION_PLAN_WRITE: frozenset({Role.COORDINATOR}),
    Action.EVALUATION_REPORT_VIEW: frozenset({Role.COORDINATOR}),
    Action.EVIDENCE_PARTNERSHIP: frozenset({Role.COORDINATOR}),
    Action.CASELOAD_VIEW: frozenset({Role.ADVOCATE}),
    Action.OWN_RECORD: frozenset({Role.INDIVIDUAL}),
    Action.TWO_FACTOR_OFF: frozenset({Role.INDIVIDUAL}),
    # The advocate's own caseload: people with no direct contact for a while.
    Action.NO_CONTACT_LIST: frozenset({Role.ADVOCATE}),
    Action.CONTACT_RECORD: frozenset({Role.ADVOCATE, Role.ORG_WORKER}),
    # An organisation's workers read the people's verdicts on its own help, in aggregate.
    Action.VERDICTS_OF_ORGANISATION: frozenset({Role.ORG_WORKER}),
    Action.PARTNERSHIP_REVIEW: frozenset({Role.COORDINATOR}),
    # Offline visits are for advocates' own phones, never a person's device (DESIGN §4.8).
    Action.OFFLINE_USE: frozenset({Role.ADVOCATE}),
}

# What the person may do with their own record, and an advocate with a record on their caseload.
_OWN_OR_CASELOAD = frozenset(
    {
        Action.PERSON_VIEW,
        Action.PLAN_VIEW,
        Action.PLAN_WRITE,
        Action.PLAN_FOLLOW,
        Action.CONSENT_VIEW,
        Action.CONSENT_RECORD,
        Action.CONSENT_WITHDRAW,
        Action.RECORD_EXPORT,
        Action.ACCESS_LOG_VIEW,
        Action.REFERRALS_OF_PERSON,
        # The person says how useful finished help was; their advocate may write down what they said.
        Action.VERDICT_GIVE,
        Action.NEEDS_ORDER,
        Action.NEED_LEAD_SET,
    }
)
# Only an advocate on the caseload.
_CASELOAD_ONLY = frozenset(
    {
        Action.PERSON_EDIT,
        Action.PERSON_SETUP_LOGIN,
        Action.PLAN_START,
        Action.OVERRIDE_REQUEST,
        Action.PERSON_CLOSE,
        Action.REFERRAL_MAKE,
        Action.SMS_INBOX,
        Action.CASE_VIEW,
        Action.OVERRIDES_OF_PERSON,
        Action.OVERLAP_DECIDE,
        Action.OFFLINE_TAKE,
    }
)
# What a coordinator may read, for the short time a break-glass is open.
_BREAK_GLASS_READS = frozenset({Action.PERSON_VIEW, Action.CASE_VIEW, Action.PLAN_VIEW})
# Who could ever do an action about a person (whether they may, for this person, is ``can``'s question).
_PERSON_ACTION_ROLES: dict[Action, frozenset[Role]] = {
    **{action: frozenset({Role.INDIVIDUAL, Role.ADVOCATE}) for action in _OWN_OR_CASELOAD},
    **{action: frozenset({Role.ADVOCATE}) for action in _CASELOAD_ONLY},
    Action.SHARED_VIEW: frozenset({Role.ORG_WORKER}),
}
for _action in _BREAK_GLASS_READS:
    _PERSON_ACTION_ROLES[_action] |= {Role.COORDINATOR}


def caseload_person_ids(user: User) -> Select:
    """A query for the ids of the people ``user`` currently advocates for, less any an information wall keeps
    them out of (as ``is_on_caseload``): the caseload never lists a record that would not open.

    ``user`` may be a bound parameter of the user's id instead (a statement built once and run many times).
    """
    user_id = _id_of(user)
    return select(Assignment.person_id).where(
        Assignment.advocate_id == user_id, Assignment.ended_at.is_(None), ~_walled_off_clause(user_id, Assignment)
    )


def _id_of(user):
    return user.id if isinstance(user, User) else user


def _walled_off_clause(user, mine):
    """SQL: ``mine`` (the user's assignment to a person) came after, or with, their assignment to someone across
    a wall from that person, and no coordinator wrote why one member of staff may work on both sides.

    ``user`` is the user, their id, or a bound parameter of it."""
    user = _id_of(user)
    theirs = aliased(Assignment)
    return exists().where(
        PersonLink.ended_at.is_(None),
        or_(
            and_(PersonLink.person_id == mine.person_id, theirs.person_id == PersonLink.other_person_id),
            and_(PersonLink.other_person_id == mine.person_id, theirs.person_id == PersonLink.person_id),
        ),
        theirs.advocate_id == user,
        theirs.ended_at.is_(None),
        theirs.created_at <= mine.created_at,
        ~exists().where(LeadJustification.advocate_id == user, LeadJustification.link_id == PersonLink.id),
    )


def is_on_caseload(user: User, person_id: int) -> bool:
    """True when ``user`` currently advocates for the person, and no information wall keeps them out.

    A wall keeps out a member of staff who works on both sides of it without a coordinator's written
    justification: from the side they joined later (both, when they joined together). Asked once per request and
    person, in one query: a page asks it for every link it offers.
    """
    key = (user.id, person_id)
    known = g.setdefault("_on_caseload", {}) if has_request_context() else {}
    if key not in known:
        row = db.session.execute(_on_caseload_statement(), {"on_user": user.id, "on_person": person_id}).first()
        known[key] = row is not None and not row[1]
    return known[key]


@cache
def _on_caseload_statement() -> Select:
    """``is_on_caseload``'s query, built once (building it cost more than running it) and run with the ids."""
    mine = aliased(Assignment)
    user = bindparam("on_user", type_=Integer)
    return select(mine.id, _walled_off_clause(user, mine)).where(
        mine.person_id == bindparam("on_person", type_=Integer),
        mine.advocate_id == user,
        mine.ended_at.is_(None),
    )


# Which category lets an organisation see a plan entry itself (not only the comments on it).
_ENTRY_CATEGORY = {ItemKind.NEED: Category.NEEDS, ItemKind.GOAL: Category.PLAN, ItemKind.STEP: Category.PLAN}


def entry_shared(covered, kind: ItemKind) -> bool:
    """Whether an organisation that sees the categories ``covered`` sees a plan entry of this kind itself (with
    notes shared but not the entry, they read the comment and what kind of entry it is on, never the entry)."""
    return _ENTRY_CATEGORY.get(kind) in covered


def shared_categories(user: User, person: Person):
    """The categories of a person's information an organisation worker may see right now (empty for others)."""
    # start-up order: consent.services asks this policy, so it is imported when first asked
    from advocate_app.consent.services import shared_categories as categories

    if user.role is not Role.ORG_WORKER or user.organisation_id is None:
        return frozenset()
    return categories(person.id, user.organisation_id)


def can(user: User | None, action: Action, record: Person | None = None, category=None) -> bool:
    """May ``user`` do ``action`` (to ``record``: a person, or a plan entry for ``SUGGESTION_WITHDRAW``)?

    :param category: for ``SHARED_VIEW``, the kind of information (a ``consent.models.Category``).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action in _ROLE_ACTIONS:
        return user.role in _ROLE_ACTIONS[action]
    if record is None:
        return False
    if action is Action.SUGGESTION_WITHDRAW:
        return record.proposed_text is not None and record.proposed_by_id == user.id
    if action in _OWN_OR_CASELOAD or action in _CASELOAD_ONLY:
        if user.role is Role.INDIVIDUAL:
            return action in _OWN_OR_CASELOAD and user.person_id == record.id
        if user.role is Role.ADVOCATE:
            return is_on_caseload(user, record.id)
        if user.role is Role.COORDINATOR and action in _BREAK_GLASS_READS:
            # start-up order: consent.services asks this policy, so it is imported when first asked
            from advocate_app.consent.services import has_break_glass

            return has_break_glass(user, record.id)
        return False
    if action is Action.SHARED_VIEW:
        covered = shared_categories(user, record)
        return bool(covered) if category is None else category in covered
    return False


def may_attempt(user: User | None, action: Action) -> bool:
    """Could ``user`` ever do ``action``: by their role alone, or to some person's record (whether they may to
    this one is ``can``'s question, asked by the view once it has the record)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action in _ROLE_ACTIONS:
        return user.role in _ROLE_ACTIONS[action]
    return user.role in _PERSON_ACTION_ROLES.get(action, frozenset())


def requires(action: Action):
    """The one view decorator: a view for those who may do ``action``.

    Anyone not signed in is sent to sign in (as ``login_required`` does); a signed-in user who could never do
    it is refused (403). For an action about a person the view then asks ``person_or_404`` (or ``can``) with
    the record, which answers 404 so a record's existence is not revealed.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not may_attempt(current_user._get_current_object(), action):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_action = action
        return wrapped

    return decorator


def may(action: Action | str, record=None) -> bool:
    """For templates (as ``may``): may the signed-in user do ``action`` (to ``record``)? The one way a page
    decides what to offer."""
    return can(current_user._get_current_object(), Action(action), record)


def reads_only(user: User, person: Person) -> bool:
    """The person's record is open to ``user`` to read but not to change (a coordinator under break glass)."""
    return not can(user, Action.PLAN_WRITE, person)


# Sharing the person was not told about ----------------------------------------------------------------------
#
# A safeguarding share recorded with "the person was not told" stays out of everything the person can see (their
# referrals, plan, access log, subject access copy) until a coordinator records that they have now been told. It
# is left out in the query, never blanked in the page, so nothing (a count, a gap, a page) gives it away. Staff
# see it all, marked as not told.


def sees_untold_sharing(user: User | None) -> bool:
    """Staff see every share; the person never sees one they were deliberately not told about."""
    return user is not None and user.role is not Role.INDIVIDUAL


def overrides_shown_to_person(person_id):
    """Which of a person's overrides the person may see, as SQL on ``SharingOverride``."""
    return and_(
        SharingOverride.person_id == person_id,
        or_(SharingOverride.person_told.is_(True), SharingOverride.told_at.is_not(None)),
    )


def overrides_kept_from_person(person_id) -> Select:
    """A query for the ids of a person's overrides they were not told about (and still have not been)."""
    return select(SharingOverride.id).where(
        SharingOverride.person_id == person_id,
        SharingOverride.person_told.is_(False),
        SharingOverride.told_at.is_(None),
    )


def referrals_kept_from_person(person_id) -> Select:
    """A query for the ids of a person's referrals that rest on a share they were not told about."""
    return select(Referral.id).where(
        Referral.person_id == person_id, Referral.override_id.in_(overrides_kept_from_person(person_id))
    )


def organisations_kept_from_person(person_id) -> Select:
    """A query for the organisations something was shared with that the person was not told about.

    Only shares a coordinator approved (nothing went before that), and not an organisation the person agreed to
    share with themselves: there, its workers' looks at the record are no news to them.
    """
    agreed = select(Consent.organisation_id).where(
        Consent.person_id == person_id, Consent.kind == ConsentKind.SHARING, Consent.organisation_id.is_not(None)
    )
    return select(SharingOverride.organisation_id).where(
        SharingOverride.id.in_(overrides_kept_from_person(person_id)),
        SharingOverride.status == OverrideStatus.APPROVED,
        SharingOverride.organisation_id.not_in(agreed),
    )


def referrals_shown_to_person(person_id):
    """Which of a person's referrals the person may see (and be given a copy of), as SQL on ``Referral``."""
    return or_(Referral.override_id.is_(None), Referral.id.not_in(referrals_kept_from_person(person_id)))


def referrals_shown_to(user: User, person_id):
    """Which of a person's referrals ``user`` may see listed, as SQL on ``Referral``."""
    return true() if sees_untold_sharing(user) else referrals_shown_to_person(person_id)


def referral_ids_kept_from_person(person_id: int) -> set[int]:
    """The person's referrals resting on a share they were not told about (staff pages mark them)."""
    return set(db.session.scalars(referrals_kept_from_person(person_id)))


# Naming organisations to the person ----------------------------------------------------------------------------
#
# The person reads an organisation's or service's name only where they agreed it may be named: they agreed to share
# with that organisation themselves, and chose that messages may say who they are from (DESIGN.md §4). Staff read
# every name. Every page the person sees asks this one question.


@dataclass(frozen=True)
class OrganisationNames:
    """Which organisations a reader may see named; ``allowed`` None means every one."""

    allowed: frozenset[int] | None

    def may_name(self, organisation_id: int | None) -> bool:
        return self.allowed is None or organisation_id in self.allowed

    def name(self, organisation_id: int | None, words: str) -> str | None:
        """``words`` (a name of the organisation or one of its services) when it may be shown, otherwise None."""
        return words if self.may_name(organisation_id) else None


def organisations_named_to(user: User | None, person: Person) -> OrganisationNames:
    """The organisations ``user`` may see named on pages about ``person``."""
    if user is None or user.role is not Role.INDIVIDUAL:
        return OrganisationNames(None)
    if not person.may_name_organisation:
        return OrganisationNames(frozenset())
    agreed = db.session.scalars(
        select(Consent.organisation_id).where(
            Consent.person_id == person.id, Consent.kind == ConsentKind.SHARING, Consent.organisation_id.is_not(None)
        )
    )
    return OrganisationNames(frozenset(agreed))


def names_for(person: Person) -> OrganisationNames:
    """``organisations_named_to`` for the signed-in reader, asked once a page (templates: ``names_for(person)``)."""
    asked = g.setdefault("organisation_names", {})
    if person.id not in asked:
        asked[person.id] = organisations_named_to(current_user._get_current_object(), person)
    return asked[person.id]


def audit_shown_to_person(person_id):
    """Audit rows the person may see, as SQL: none about a share they were not told about.

    That is every event about its referrals, and anything the receiving organisation's workers did with the record.
    """
    kept_workers = select(User.id).where(
        User.role == Role.ORG_WORKER, User.organisation_id.in_(organisations_kept_from_person(person_id))
    )
    return and_(
        or_(
            AuditEvent.object_type.is_(None),
            AuditEvent.object_type != "referral",
            AuditEvent.object_id.is_(None),
            AuditEvent.object_id.not_in(referrals_kept_from_person(person_id)),
        ),
        or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id.not_in(kept_workers)),
    )


def may_handle_referral(user: User | None, referral) -> bool:
    """The receiving organisation's workers answer a referral and keep its status up to date."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.active
        and user.role is Role.ORG_WORKER
        and user.organisation_id is not None
        and user.organisation_id == referral.organisation_id
    )


def may_withdraw_referral(user: User | None, referral) -> bool:
    """An advocate on the person's case may withdraw a referral made for them."""
    person = db.session.get(Person, referral.person_id)
    return person is not None and can(user, Action.REFERRAL_MAKE, person)


def may_decide_override(user: User | None, override: SharingOverride) -> bool:
    """A coordinator decides a request to share without consent, never one they asked for themselves."""
    return can(user, Action.OVERRIDE_DECIDE) and user.id != override.requested_by_id


def may_decide_proposal(user: User, item, person_has_login: bool) -> bool:
    """A suggested new wording: the owner of the words decides; an advocate may record the person's decision
    made in person only while the person has no login of their own."""
    if item.proposed_text is None:
        return False
    if (item.voice is Voice.PERSON) == (user.role is Role.INDIVIDUAL):
        return True
    return user.role is Role.ADVOCATE and item.voice is Voice.PERSON and not person_has_login


def may_follow_referral(user: User | None, referral) -> bool:
    """The person and the advocates on their case follow a referral (and an advocate may withdraw it)."""
    person = db.session.get(Person, referral.person_id)
    return person is not None and can(user, Action.REFERRALS_OF_PERSON, person)


def may_edit_service(user: User | None, service) -> bool:
    """Coordinators keep any entry current; an organisation's workers keep their own services current."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role is Role.COORDINATOR:
        return True
    return bool(
        user.role is Role.ORG_WORKER
        and user.organisation_id is not None
        and user.organisation_id == service.organisation_id
    )


def may_add_service(user: User | None) -> bool:
    """Only coordinators add services to an organisation."""
    return can(user, Action.ORGANISATIONS_MANAGE)


def visible_people(user: User) -> Select:
    """A query for exactly the people whose records ``user`` may open."""
    query = select(Person)
    if user.role is Role.INDIVIDUAL:
        return query.where(Person.id == user.person_id)
    if user.role is Role.ADVOCATE:
        # As ``is_on_caseload``: the people they advocate for, less any a wall keeps them out of.
        mine = aliased(Assignment)
        open_to_them = select(mine.person_id).where(
            mine.advocate_id == user.id, mine.ended_at.is_(None), ~_walled_off_clause(user, mine)
        )
        return query.where(Person.id.in_(open_to_them))
    if user.role is Role.ORG_WORKER and user.organisation_id is not None:
        # start-up order: consent.services asks this policy, so it is imported when first asked
        from advocate_app.consent.services import people_sharing_with

        return query.where(Person.id.in_(people_sharing_with(user.organisation_id)))
    return query.where(false())


def name_shown_to_organisation(person_id, organisation_id, now):
    """SQL: whether an organisation's workers may see the person ``person_id`` named on their pages (something is
    shared with the organisation right now, as ``visible_people`` asks for a worker).

    For statements of an organisation's rows (the inbox), built once: ``organisation_id`` and ``now`` may be bound
    parameters. It is asked row by row, through indexes: put it on a page of rows (after the LIMIT), where
    PostgreSQL asks it of each row shown, not on every row the page is chosen from.
    """
    # start-up order: consent.services asks this policy, so it is imported when first asked
    from advocate_app.consent.services import shares_with

    return shares_with(person_id, organisation_id, now)


def person_or_404(user: User, person_id: int, action: Action = Action.PERSON_VIEW) -> Person:
    """The person, when ``user`` may do ``action`` to them; otherwise 404, so a record's existence is not revealed.

    An advocate's answer turns on their caseload: the person and whether they are on it are read together, in one
    statement (``is_on_caseload`` then has the answer for the rest of the request)."""
    if _reads_with_caseload(user, person_id, action):
        person = _person_and_caseload(user, person_id)
    else:
        person = db.session.get(Person, person_id)
    if person is None or not can(user, action, person):
        abort(404)
    return person


def _reads_with_caseload(user: User, person_id: int, action: Action) -> bool:
    """Whether ``person_or_404`` will ask an advocate's caseload of a person it has not asked yet this request."""
    return (
        has_request_context()
        and getattr(user, "role", None) is Role.ADVOCATE
        and (action in _OWN_OR_CASELOAD or action in _CASELOAD_ONLY)
        and (user.id, person_id) not in g.get("_on_caseload", ())
    )


def _person_and_caseload(user: User, person_id: int) -> Person | None:
    """The person (None when there is none), with ``is_on_caseload``'s answer for ``user`` kept for the request."""
    row = db.session.execute(_person_and_caseload_statement(), {"on_user": user.id, "on_person": person_id}).first()
    if row is None:
        return None
    person, assignment_id, walled_off = row
    g.setdefault("_on_caseload", {})[(user.id, person_id)] = assignment_id is not None and not walled_off
    return person


@cache
def _person_and_caseload_statement() -> Select:
    """The person and ``is_on_caseload``'s two columns (no assignment: not on the caseload), built once."""
    mine = aliased(Assignment)
    user = bindparam("on_user", type_=Integer)
    return (
        select(Person, mine.id, _walled_off_clause(user, mine))
        .outerjoin(mine, and_(mine.person_id == Person.id, mine.advocate_id == user, mine.ended_at.is_(None)))
        .where(Person.id == bindparam("on_person", type_=Integer))
    )
