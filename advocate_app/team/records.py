"""The team around the person in their subject access copy: who led each need and when, the order they chose,
the choices made over a second organisation, and how each action by staff was done (with them or about them).

As on their own pages, nothing resting on a share they were not told about is included.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from advocate_app import db, policy
from advocate_app.plans.models import PlanItem
from advocate_app.team.contact import MODE_LABELS
from advocate_app.team.models import ContactRecord, NeedLead, NeedOrder, OverlapChoice, OverlapDecision

# The team's audit events in plain words, for the access log ("who has seen or changed my record").
AUDIT_WORDS = {
    "lead_changed": _l("Recorded who leads a need"),
    "needs_ordered": _l("Put the needs in order"),
    "overlap_wait": _l("Chose to wait for one organisation to finish before asking another"),
    "overlap_replace": _l("Asked a new organisation to take over from another"),
    "overlap_send_anyway": _l("Asked a second organisation to help with a need at the same time"),
    "contact_recorded": _l("Recorded how something was done: with you, or about you"),
}

CHOICE_WORDS = {
    OverlapChoice.WAIT: _l("waited for them to finish"),
    OverlapChoice.REPLACE: _l("replaced them"),
    OverlapChoice.SEND_ANYWAY: _l("sent at the same time"),
}


def _iso(value):
    return value.isoformat() if value is not None else None


def subject_access_part(person_id: int) -> dict:
    """The person's team records, JSON-ready, in four queries."""
    kept = policy.referrals_kept_from_person(person_id)
    leads = db.session.execute(
        select(NeedLead, PlanItem.domain)
        .join(PlanItem, PlanItem.id == NeedLead.need_id)
        .where(NeedLead.person_id == person_id, or_(NeedLead.referral_id.is_(None), NeedLead.referral_id.not_in(kept)))
        .options(joinedload(NeedLead.organisation))
        .order_by(NeedLead.started_at, NeedLead.id)
    ).all()
    order = db.session.execute(
        select(NeedOrder.position, PlanItem.domain)
        .join(PlanItem, PlanItem.id == NeedOrder.need_id)
        .where(NeedOrder.person_id == person_id)
        .order_by(NeedOrder.position)
    ).all()
    overlaps = db.session.scalars(
        select(OverlapDecision)
        .where(
            OverlapDecision.person_id == person_id,
            or_(OverlapDecision.leading_referral_id.is_(None), OverlapDecision.leading_referral_id.not_in(kept)),
        )
        .options(joinedload(OverlapDecision.leading_organisation), joinedload(OverlapDecision.service))
        .order_by(OverlapDecision.decided_at, OverlapDecision.id)
    ).all()
    contacts = db.session.scalars(
        select(ContactRecord).where(ContactRecord.person_id == person_id).order_by(ContactRecord.at, ContactRecord.id)
    ).all()
    return {
        "need_leads": [
            {
                "need": domain,
                "lead": lead.kind.value,
                "organisation": lead.organisation.name if lead.organisation is not None else None,
                "from": _iso(lead.started_at),
                "until": _iso(lead.ended_at),
                "why": lead.reason.value,
            }
            for lead, domain in leads
        ],
        "order_of_needs": [{"place": place, "need": domain} for place, domain in order],
        "one_organisation_at_a_time": [
            {
                "need_led_by": o.leading_organisation.name,
                "referral_to": o.service.name,
                "choice": o.choice.value,
                "choice_in_words": str(CHOICE_WORDS[o.choice]),
                "reason": o.reason,
                "on": _iso(o.decided_at),
            }
            for o in overlaps
        ],
        "actions_with_or_about_you": [
            {
                "action": c.action.value,
                "how": c.mode.value,
                "how_in_words": str(MODE_LABELS[c.mode]),
                "with_you": c.with_person,
                "by_role": c.by_role,
                "at": _iso(c.at),
            }
            for c in contacts
        ],
    }


def anonymise(person_ids) -> None:
    """At the end of retention: the reasons typed for sending a referral anyway go; choices and dates stay."""
    db.session.execute(update(OverlapDecision).where(OverlapDecision.person_id.in_(person_ids)).values(reason=""))
