"""Who has seen a person's record: the access log they are shown, and what each audit event means in plain words.

What the person sees follows two rules. Nothing about anyone else: other people's names, records and anything
across an information wall stay out (staff are named with their organisation, as the person is entitled to know
who looked). And nothing the record keeps from them on purpose: safeguarding shares the person was deliberately
not told about (``SharingOverride.person_told`` false), and everything that follows from them, stay out until a
coordinator records that the person has now been told (``policy.audit_shown_to_person``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from advocate_app import db, policy
from advocate_app.accounts.models import STAFF_ROLES, User
from advocate_app.audit.models import AuditEvent
from advocate_app.clock import LOCAL_ZONE
from advocate_app.consent.models import BreakGlass, SharingOverride
from advocate_app.directory.models import Organisation
from advocate_app.team.records import AUDIT_WORDS as TEAM_AUDIT_WORDS

STAFF_ROLE_VALUES = tuple(role.value for role in STAFF_ROLES)
ACCESS_PAGE_SIZE = 100
ALERT_LIMIT = 100

BREAK_GLASS = "break_glass"
OVERRIDE_ACTIONS = ("override_requested", "override_approved", "override_rejected")
ALERT_ACTIONS = (BREAK_GLASS, *OVERRIDE_ACTIONS)
# Events about a harm link name or imply the person on the other side of the wall.
_WALL_ACTIONS = ("link_recorded", "lead_justified")
_WALL_OBJECTS = ("person_link", "lead_justification")

# What happened, in plain words; the most specific match wins: (action, object), then the action alone.
WHAT = {
    ("view", "person"): _l("Looked at personal details"),
    ("view", "plan"): _l("Looked at the plan"),
    ("view", "plan_item"): _l("Looked at an entry in the plan"),
    ("view", "plan_review"): _l("Looked at the plan reviews"),
    ("view", "check_ins"): _l("Looked at the check-ins"),
    ("view", "access_log"): _l("Looked at the list of who has seen the record"),
    ("view", "shared_record"): _l("Looked at what is shared with their organisation"),
    ("view", "referral"): _l("Looked at a referral sent to their organisation"),
    ("view", "referrals"): _l("Looked at the referrals"),
    ("view", "progress"): _l("Looked at the progress over time"),
    ("view", "sms_inbox"): _l("Looked at the text messages"),
    ("update", "sms_task"): _l("Dealt with a text message"),
    ("export", "plan"): _l("Downloaded the plan summary"),
    ("export", "subject_access"): _l("Downloaded a copy of everything held"),
    ("create", "person"): _l("Started the record"),
    ("create", "plan"): _l("Started a plan"),
    ("create", "plan_item"): _l("Added to the plan"),
    ("create", "plan_comment"): _l("Commented on the plan"),
    ("create", "check_in"): _l("Recorded a check-in"),
    ("create", "plan_review"): _l("Recorded a plan review"),
    ("update", "person"): _l("Changed personal details"),
    ("update", "plan"): _l("Changed the plan"),
    ("update", "plan_item"): _l("Changed the plan"),
    "view": _l("Looked at the record"),
    "export": _l("Downloaded a copy of the record"),
    "create": _l("Added to the record"),
    "update": _l("Changed the record"),
    "agree": _l("Agreed the plan"),
    "consent_given": _l("Recorded a consent"),
    "consent_withdrawn": _l("Recorded that a consent was withdrawn"),
    "override_requested": _l("Asked to share information without consent, to keep someone safe"),
    "override_approved": _l("Approved sharing information without consent, to keep someone safe"),
    "override_rejected": _l("Refused a request to share information without consent"),
    "override_person_told": _l("Recorded that you were told about information shared without consent"),
    BREAK_GLASS: _l("Opened the record in an emergency (break glass)"),
    "referral_sent": _l("Sent a referral"),
    "referral_accepted": _l("Accepted a referral"),
    "referral_declined": _l("Declined a referral"),
    "referral_withdrawn": _l("Withdrew a referral"),
    "referral_in_contact": _l("Recorded being in contact about a referral"),
    "referral_engaged": _l("Recorded that the help from a referral has started"),
    "referral_completed": _l("Recorded that the help from a referral is finished"),
    "referral_did_not_engage": _l("Recorded that the help from a referral stopped"),
    "referral_closed": _l("Closed a referral"),
    "assign": _l("Assigned an advocate"),
    "unassign": _l("Ended an advocate's work on the case"),
    "setup_code_issued": _l("Gave a code to set up a login"),
    "setup_completed": _l("Set up a login"),
    "password_changed": _l("Changed the password"),
    "login": _l("Signed in"),
    "login_failed": _l("A sign-in failed"),
    "logout": _l("Signed out"),
    "exit_page": _l("Used “Exit this page”"),
    "anonymised": _l("Anonymised under the retention rule"),
    "offline_take": _l("Kept the plan on their phone for a visit, encrypted"),
}
WHAT.update(TEAM_AUDIT_WORDS)
OTHER_ACTIVITY = _l("Other activity on the record")


def describe(action: str, object_type: str | None):
    """What an audit event means, in plain words (a lazy string: it takes the language where it is shown)."""
    # Lazy strings are not tested for truth: that would translate them, which needs a request.
    if (action, object_type) in WHAT:
        return WHAT[(action, object_type)]
    return WHAT.get(action, OTHER_ACTIVITY)


def shown_to_person(person_id: int):
    """Audit rows the person may see: no wall events, no shares they were deliberately not told about (nor the
    referrals resting on them, nor what the receiving organisation did: see ``policy.audit_shown_to_person``).

    Needs ``SharingOverride`` outer-joined on the event's object.
    """
    return and_(
        policy.audit_shown_to_person(person_id),
        AuditEvent.action.not_in(_WALL_ACTIONS),
        or_(AuditEvent.object_type.is_(None), AuditEvent.object_type.not_in(_WALL_OBJECTS)),
        or_(
            AuditEvent.object_type.is_(None),
            AuditEvent.object_type != "sharing_override",
            policy.overrides_shown_to_person(person_id),
        ),
    )


def join_override(query):
    """Outer-join each audit event's ``SharingOverride``, which ``shown_to_person`` needs."""
    return query.outerjoin(
        SharingOverride,
        and_(AuditEvent.object_type == "sharing_override", SharingOverride.id == AuditEvent.object_id),
    )


@dataclass(frozen=True)
class AccessEntry:
    """One thing a member of staff did with the record."""

    occurred_at: datetime
    action: str
    what: object  # a lazy string
    staff_name: str | None
    role: str | None
    organisation: str | None
    # For a break-glass opening: the coordinator's written reason (about this person's own record).
    reason: str | None = None
    # For sharing without consent: the organisation it was (to be) shared with, and what.
    shared_with: str | None = None
    categories: frozenset[str] = frozenset()

    @property
    def day(self) -> date:
        """The day it happened in the UK."""
        return self.occurred_at.astimezone(LOCAL_ZONE).date()


@dataclass(frozen=True)
class AccessLog:
    alerts: list[AccessEntry]
    entries: list[AccessEntry]
    page: int
    has_next: bool


def _staff_events(person_id: int):
    actor, actor_org, shared_org = aliased(User), aliased(Organisation), aliased(Organisation)
    query = select(
        AuditEvent.occurred_at,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.actor_role,
        actor.display_name,
        actor_org.name,
        BreakGlass.reason,
        shared_org.name,
        SharingOverride.categories,
    )
    query = (
        join_override(query.select_from(AuditEvent))
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(actor_org, actor_org.id == actor.organisation_id)
        .outerjoin(
            BreakGlass,
            and_(
                AuditEvent.object_type == BREAK_GLASS,
                BreakGlass.id == AuditEvent.object_id,
                BreakGlass.person_id == person_id,
            ),
        )
        .outerjoin(shared_org, shared_org.id == SharingOverride.organisation_id)
        .where(
            AuditEvent.person_id == person_id,
            AuditEvent.actor_role.in_(STAFF_ROLE_VALUES),
            shown_to_person(person_id),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    return query


def _entry(row) -> AccessEntry:
    occurred_at, action, object_type, role, name, organisation, reason, shared_with, categories = row
    return AccessEntry(
        occurred_at=occurred_at,
        action=action,
        what=describe(action, object_type),
        staff_name=name,
        role=role,
        organisation=organisation,
        reason=reason if action == BREAK_GLASS else None,
        shared_with=shared_with,
        categories=frozenset(c for c in (categories or "").split(",") if c),
    )


def access_log(person_id: int, page: int = 1, per_page: int = ACCESS_PAGE_SIZE) -> AccessLog:
    """What staff have done with a person's record, newest first, a page at a time (two queries).

    Break-glass openings and sharing without consent come separately as ``alerts``, whatever the page.
    """
    page = max(page, 1)
    query = _staff_events(person_id)
    alerts = db.session.execute(query.where(AuditEvent.action.in_(ALERT_ACTIONS)).limit(ALERT_LIMIT)).all()
    rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return AccessLog(
        alerts=[_entry(row) for row in alerts],
        entries=[_entry(row) for row in rows[:per_page]],
        page=page,
        has_next=len(rows) > per_page,
    )
