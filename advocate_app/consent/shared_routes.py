"""Views for organisation workers: who shares something with their organisation, and what, right now."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.audit.services import record as audit
from advocate_app.consent import shared_view
from advocate_app.consent.shared_view import RATED_BY_LABELS, SHARED_HEADINGS
from advocate_app.people.forms import WEEKDAYS
from advocate_app.people.models import Person
from advocate_app.plans.forms import GOAL_STATUS_LABELS, PRIORITY_LABELS
from advocate_app.plans.models import StepOwner
from advocate_app.policy import Action

# Organisation workers: what people share with their organisation ------------------------------


@policy.requires(Action.SHARED_VIEW)
def shared_people():
    """Everyone who shares something with the worker's organisation right now; names only."""
    me = signed_in_user()
    people = db.session.scalars(policy.visible_people(me).order_by(Person.preferred_name, Person.id)).all()
    return render_template("consent/shared_people.html", people=people, organisation=shared_view.organisation_of(me))


@policy.requires(Action.SHARED_VIEW)
def shared_person(person_id: int):
    """What one person shares with the worker's organisation, right now, and what they do not."""
    me = signed_in_user()
    person = policy.person_or_404(me, person_id, Action.SHARED_VIEW)
    # Asked afresh on every request: a withdrawal or an expiry hides everything from the next page on.
    covered = policy.shared_categories(me, person)
    sections = shared_view.shared_sections(person, covered)
    audit("view", actor=me, person_id=person.id, object_type="shared_record")
    db.session.commit()
    return render_template(
        "consent/shared_person.html",
        person=person,
        organisation=shared_view.organisation_of(me),
        sections=sections,
        not_shared=[label for category, label in SHARED_HEADINGS.items() if category not in covered],
        headings=SHARED_HEADINGS,
        weekdays=WEEKDAYS,
        priority_labels=PRIORITY_LABELS,
        goal_status_labels=GOAL_STATUS_LABELS,
        owner_labels={
            StepOwner.ME: person.preferred_name,
            StepOwner.ADVOCATE: _("Their advocate"),
            StepOwner.ORGANISATION: _("An organisation"),
        },
        rated_by_labels=RATED_BY_LABELS,
    )
