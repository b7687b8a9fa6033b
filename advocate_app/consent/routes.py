"""Views for the consent ledger: who may see what, giving and withdrawing, receipts, sharing without consent."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.consent import agreeing, services, statements
from advocate_app.consent.forms import (
    DPA_CONDITION_LABELS,
    LAWFUL_BASIS_LABELS,
    ConfirmForm,
    DecideOverrideForm,
    OverrideForm,
    PersonToldForm,
    SharingChoiceForm,
)
from advocate_app.consent.models import Category, Consent, ConsentKind, GivenHow, Purpose, SharingOverride
from advocate_app.db import utcnow
from advocate_app.directory import services as directory_services
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Person
from advocate_app.policy import Action
from advocate_app.wording import is_the_person


def _organisation_choices() -> list[tuple[str, str]]:
    return [("", _("Choose an organisation"))] + [
        (str(org_id), name) for org_id, name in directory_services.organisation_names()
    ]


def _statement_language(person: Person) -> str:
    """The person reads it in the page's language; an advocate reads it to them in theirs."""
    return str(get_locale()) if is_the_person(current_user) else person.language


def _preview(
    person: Person, kind: ConsentKind, organisation: Organisation | None, categories, purpose_code: str, purpose: str
) -> str:
    return agreeing.preview(kind, organisation, categories, purpose_code, purpose, _statement_language(person))


def _in_sentence(text: str) -> Markup:
    """Our own words (escaped) to put into a page's sentence: the names in them are already isolated, so the
    page's gettext must not isolate the whole phrase again."""
    return escape(text)


def _reader_name(person: Person) -> str | None:
    """Whose information it is, for the words: ``None`` when the person reads it themselves ("your")."""
    return None if is_the_person(current_user) else person.preferred_name


@policy.requires(Action.CONSENT_VIEW)
def consents(person_id: int):
    person = policy.person_or_404(current_user, person_id, Action.CONSENT_VIEW)
    now = utcnow()
    name = _reader_name(person)
    return render_template(
        "consent/list.html",
        person=person,
        consents=services.consents_of(person.id),
        overrides=(
            services.overrides_of(person.id) if policy.can(current_user, Action.OVERRIDES_OF_PERSON, person) else []
        ),
        now=now,
        is_person=is_the_person(current_user),
        may_override=policy.can(signed_in_user(), Action.OVERRIDE_REQUEST, person),
        words=lambda categories: _in_sentence(statements.categories_in_words(categories, name)),
        purpose_words=lambda code, typed: _in_sentence(statements.purpose_in_words(code, typed)),
    )


@policy.requires(Action.CONSENT_RECORD)
def new_sharing(person_id: int):
    """Step 1: which organisation, what information, for what.

    The answers go on to step 2 in the body of a POST, never in the web address: what it is for may say
    something personal, and a phone's browser history is readable by whoever holds the phone.
    """
    person = policy.person_or_404(current_user, person_id, Action.CONSENT_RECORD)
    form = SharingChoiceForm()
    form.organisation_id.choices = _organisation_choices()
    form.categories.choices = [(c.value, label) for c, label in statements.labels_for(_reader_name(person)).items()]
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, int(form.organisation_id.data))
        categories = sorted(form.categories.data)
        purpose = form.purpose.data.strip() if form.purpose_code.data == Purpose.OTHER else ""
        return _confirm_page(person, ConsentKind.SHARING, organisation, categories, form.purpose_code.data, purpose)
    is_person = _reader_name(person) is None
    return render_template("consent/sharing_form.html", form=form, person=person, is_person=is_person)


def _confirm_inputs(source) -> tuple[ConsentKind, Organisation | None, list[str], str, str]:
    try:
        kind = ConsentKind(source.get("kind", "sharing"))
    except ValueError:
        abort(400)
    organisation = None
    categories: list[str] = []
    purpose_code = source.get("purpose_code") or ""
    purpose = (source.get("purpose") or "").strip()[:300] if purpose_code == Purpose.OTHER else ""
    if kind is ConsentKind.SHARING:
        try:
            organisation = db.session.get(Organisation, int(source.get("organisation_id", "")))
        except ValueError:
            organisation = None
        categories = [c for c in (source.get("categories") or "").split(",") if c in {x.value for x in Category}]
        if organisation is None or not categories or purpose_code not in set(Purpose):
            abort(400)
        if purpose_code == Purpose.OTHER and not purpose:
            abort(400)
    return kind, organisation, categories, purpose_code, purpose


def _confirm_page(person, kind, organisation, categories, purpose_code, purpose, form=None):
    """Step 2 on screen: the statement, with the answers carried in hidden fields of the form that agrees."""
    text = _preview(person, kind, organisation, categories, purpose_code, purpose)
    form = form or ConfirmForm(formdata=None)
    form.ask_how = not is_the_person(current_user)
    form.statement_digest.data = agreeing.digest(text)
    return render_template(
        "consent/confirm.html",
        form=form,
        person=person,
        is_person=is_the_person(current_user),
        kind=kind.value,
        statement=text,
        statement_language=_statement_language(person),
        hidden={
            "kind": kind.value,
            "organisation_id": organisation.id if organisation else "",
            "categories": ",".join(categories),
            "purpose_code": purpose_code,
            "purpose": purpose,
        },
    )


@policy.requires(Action.CONSENT_RECORD)
def confirm(person_id: int):
    """Step 2: the exact statement on screen; agreeing records exactly those words.

    Opened directly (GET) only for text messages, which need no answers first; sharing comes here from step 1.
    """
    person = policy.person_or_404(current_user, person_id, Action.CONSENT_RECORD)
    if request.method == "GET" and request.args.get("kind") != ConsentKind.SMS:
        return redirect(url_for("consent.new_sharing", person_id=person.id))
    kind, organisation, categories, purpose_code, purpose = _confirm_inputs(
        request.form if request.method == "POST" else request.args
    )
    if kind is ConsentKind.SMS and not person.phone_e164:
        flash(_("Add a mobile number to the contact details first."))
        return redirect(url_for("consent.consents", person_id=person.id))
    form = ConfirmForm()
    form.ask_how = not is_the_person(current_user)
    if form.validate_on_submit():
        try:
            consent = agreeing.agree_as_shown(
                person,
                kind,
                shown_digest=form.statement_digest.data,
                given_how=GivenHow(form.given_how.data) if form.ask_how else GivenHow.IN_APP,
                by=signed_in_user(),
                language=_statement_language(person),
                organisation=organisation,
                purpose_code=purpose_code,
                purpose=purpose,
                categories=categories,
            )
        except agreeing.WordingChanged:
            flash(_("The wording changed while you were reading it. Read it again before agreeing."))
        else:
            db.session.commit()
            return redirect(url_for("consent.receipt", person_id=person.id, consent_id=consent.id))
    return _confirm_page(person, kind, organisation, categories, purpose_code, purpose, form)


def _consent_or_404(person: Person, consent_id: int) -> Consent:
    consent = next((c for c in services.consents_of(person.id) if c.id == consent_id), None)
    if consent is None:
        abort(404)
    return consent


@policy.requires(Action.CONSENT_VIEW)
def receipt(person_id: int, consent_id: int):
    """The consent receipt: what was agreed, with whom, until when, in the words shown."""
    person = policy.person_or_404(current_user, person_id, Action.CONSENT_VIEW)
    consent = _consent_or_404(person, consent_id)
    name = _reader_name(person)
    return render_template(
        "consent/receipt.html",
        person=person,
        consent=consent,
        now=utcnow(),
        is_person=is_the_person(current_user),
        words=lambda categories: _in_sentence(statements.categories_in_words(categories, name)),
        purpose_words=lambda code, typed: _in_sentence(statements.purpose_in_words(code, typed)),
    )


@policy.requires(Action.CONSENT_WITHDRAW)
def withdraw(person_id: int, consent_id: int):
    """Withdrawing: one "are you sure" page, then done. No harder than agreeing was."""
    person = policy.person_or_404(current_user, person_id, Action.CONSENT_WITHDRAW)
    consent = _consent_or_404(person, consent_id)
    if request.method == "GET":
        if consent.withdrawn_at is not None or not consent.is_active(utcnow()):
            return redirect(url_for("consent.receipt", person_id=person.id, consent_id=consent.id))
        return render_template(
            "consent/withdraw.html",
            person=person,
            consent=consent,
            is_person=is_the_person(current_user),
            words=_in_sentence(statements.categories_in_words(consent.category_set, _reader_name(person))),
        )
    how = GivenHow.IN_APP if is_the_person(current_user) else GivenHow.VERBAL
    if services.withdraw(consent, how=how, by=signed_in_user()):
        db.session.commit()
        flash(_("Withdrawn. From now on this is not shared."), "success")
    return redirect(url_for("consent.receipt", person_id=person.id, consent_id=consent.id))


@policy.requires(Action.OVERRIDE_REQUEST)
def new_override(person_id: int):
    """Ask to share without consent to keep someone safe; a coordinator must approve it first."""
    person = policy.person_or_404(current_user, person_id, Action.OVERRIDE_REQUEST)
    form = OverrideForm()
    form.organisation_id.choices = _organisation_choices()
    form.categories.choices = [(c.value, label) for c, label in statements.labels_for(person.preferred_name).items()]
    if form.validate_on_submit():
        override = services.request_override(
            person,
            organisation=db.session.get(Organisation, int(form.organisation_id.data)),
            categories=form.categories.data,
            lawful_basis=form.lawful_basis.data,
            dpa_condition=form.dpa_condition.data,
            reasons=form.reasons.data,
            what_shared=form.what_shared.data or "",
            person_told=form.person_told.data == "yes",
            not_told_reason=form.not_told_reason.data or "",
            by=signed_in_user(),
        )
        db.session.commit()
        flash(_("Sent to a coordinator. Nothing is shared until they approve it."), "success")
        return redirect(url_for("consent.consents", person_id=person.id, _anchor=f"override-{override.id}"))
    return render_template("consent/override_form.html", form=form, person=person)


@policy.requires(Action.OVERRIDE_DECIDE)
def overrides():
    return render_template(
        "consent/overrides.html", overrides=services.pending_overrides(), not_told=services.kept_from_people()
    )


@policy.requires(Action.OVERRIDE_DECIDE)
def decide_override(override_id: int):
    override = db.session.get(SharingOverride, override_id)
    if override is None:
        abort(404)
    override = next(o for o in services.overrides_of(override.person_id) if o.id == override_id)
    person = db.session.get(Person, override.person_id)
    form = DecideOverrideForm()
    if form.validate_on_submit():
        try:
            services.decide_override(
                override, approve=form.decision.data == "approve", note=form.note.data or "", by=signed_in_user()
            )
        except services.ConsentError as error:
            form.decision.errors = [
                _("Someone else must decide on a request you made.")
                if error.code == "not_allowed"
                else _("This has already been decided.")
            ]
        else:
            db.session.commit()
            flash(_("Decision recorded."), "success")
            return redirect(url_for("consent.overrides"))
    return render_template(
        "consent/decide_override.html",
        form=form,
        override=override,
        person=person,
        lawful_basis_labels=LAWFUL_BASIS_LABELS,
        dpa_condition_labels=DPA_CONDITION_LABELS,
        words=lambda categories: _in_sentence(statements.categories_in_words(categories, person.preferred_name)),
        told_form=PersonToldForm(formdata=None),
    )


@policy.requires(Action.OVERRIDE_RECORD_TOLD)
def record_person_told(override_id: int):
    """Record that the person has now been told about a share they were not told of (audited)."""
    if not policy.can(current_user, Action.OVERRIDE_RECORD_TOLD):
        abort(403)
    override = db.session.get(SharingOverride, override_id)
    if override is None:
        abort(404)
    if PersonToldForm().validate_on_submit():
        try:
            services.record_person_told(override, by=signed_in_user())
        except services.ConsentError:
            flash(_("This person has already been told."))
        else:
            db.session.commit()
            flash(_("Recorded that the person has now been told. They can see this sharing from now on."), "success")
    return redirect(url_for("consent.decide_override", override_id=override.id))
