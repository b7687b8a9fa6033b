"""Coordinators' safeguarding views: break glass (one record, read-only, for a short time) and information walls
(harm links) between two people."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.consent import queries, services
from advocate_app.consent.forms import LinkForm, ReasonForm
from advocate_app.i18n import isolated
from advocate_app.people.models import Person
from advocate_app.policy import Action

# Coordinators: break glass ---------------------------------------------------------------------


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


@policy.requires(Action.BREAK_GLASS)
def break_glass(person_id: int):
    """A coordinator opens one record, read-only, for a short time and a written reason."""
    me = signed_in_user()
    person = _person_or_404(person_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.open_break_glass(me, person, form.reason.data)
        except services.ConsentError:
            form.reason.errors = [_("Write the reason in full (at least 20 characters)")]
        else:
            db.session.commit()
            flash(
                _(
                    "You can read %(name)s's record for the next %(minutes)d minutes. What you open is recorded.",
                    name=isolated(person.preferred_name),
                    minutes=services.BREAK_GLASS_MINUTES,
                ),
                "success",
            )
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("consent/break_glass.html", form=form, person=person, minutes=services.BREAK_GLASS_MINUTES)


# Coordinators: information walls ---------------------------------------------------------------


@policy.requires(Action.LINKS_MANAGE)
def links(person_id: int):
    """Record a harm link between two people: from then on nothing of one shows in the other."""
    me = signed_in_user()
    person = _person_or_404(person_id)
    form = LinkForm()
    form.other_person_id.choices = [("", _("Choose a person"))] + [
        (str(other_id), _("%(name)s (record %(number)d)", name=name, number=other_id))
        for other_id, name in queries.everyone_but(person.id)
    ]
    if form.validate_on_submit():
        other = _person_or_404(int(form.other_person_id.data))
        try:
            services.record_link(
                person, other, description=form.description.data, justification=form.justification.data or "", by=me
            )
        except services.ConsentError as error:
            # Nothing was added: the wall would put someone on both sides, and no reason was written.
            if error.code != "justification":
                abort(400)
            form.justification.errors = [
                _(
                    "An advocate already works with both people. Write why they should go on working with both "
                    "(at least 20 characters), or change the advocates first"
                )
            ]
            return render_template(
                "consent/links.html", form=form, person=person, links=queries.current_links(person.id)
            )
        db.session.commit()
        flash(
            _(
                "There is now an information wall between %(name)s and %(other)s.",
                name=isolated(person.preferred_name),
                other=isolated(other.preferred_name),
            ),
            "success",
        )
        return redirect(url_for("consent.links", person_id=person.id))
    return render_template("consent/links.html", form=form, person=person, links=queries.current_links(person.id))
