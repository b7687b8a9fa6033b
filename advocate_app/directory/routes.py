"""The directory: staff browse services; coordinators and each organisation's workers keep entries current."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.directory import services
from advocate_app.directory.forms import BrowseForm, OrganisationForm, ServiceForm, language_label
from advocate_app.directory.models import CapacityStatus, Organisation, OrganisationKind, Service
from advocate_app.i18n import isolated
from advocate_app.policy import Action
from advocate_app.team import reviews

STATUS_NAMES = {
    "active": _l("Active"),
    "inactive": _l("Inactive"),
    "defunct": _l("No longer runs"),
    "temporarily closed": _l("Temporarily closed"),
}


@policy.requires(Action.ORGANISATIONS_MANAGE)
def organisations():
    rows = services.organisations_with_service_counts()
    return render_template(
        "directory/organisations.html", rows=rows, reviewed=reviews.last_reviewed(o.id for o, _n in rows)
    )


@policy.requires(Action.ORGANISATIONS_MANAGE)
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = services.create_organisation(
            name=form.name.data,
            kind=OrganisationKind(form.kind.data),
            description=form.description.data,
            email=form.email.data,
            phone=form.phone.data,
            website=form.website.data,
            by=signed_in_user(),
        )
        db.session.commit()
        flash(_("%(name)s has been added.", name=isolated(organisation.name)), "success")
        return redirect(url_for("directory.organisation", organisation_id=organisation.id))
    return render_template("directory/new_organisation.html", form=form)


@policy.requires(Action.ORGANISATIONS_MANAGE)
def organisation(organisation_id: int):
    record = services.organisation_with_services(organisation_id)
    if record is None:
        abort(404)
    return render_template(
        "directory/organisation.html", organisation=record, staff=services.organisation_staff(organisation_id)
    )


@policy.requires(Action.DIRECTORY_VIEW)
def browse():
    form = BrowseForm(request.args, languages=services.language_codes_in_use())
    rows = services.browse(form.cleaned(services.Filters))
    return render_template(
        "directory/browse.html",
        form=form,
        rows=rows,
        language_label=language_label,
        status_names=STATUS_NAMES,
        reviewed=reviews.last_reviewed({s.organisation_id for s in rows}),
    )


@policy.requires(Action.DIRECTORY_VIEW)
def service(service_id: int):
    record = services.service_for_page(service_id)
    if record is None:
        abort(404)
    return render_template(
        "directory/service.html",
        service=record,
        may_edit=policy.may_edit_service(current_user, record),
        language_label=language_label,
        status_names=STATUS_NAMES,
        reviewed=reviews.last_reviewed([record.organisation_id]),
    )


@policy.requires(Action.DIRECTORY_VIEW)
def edit_service(service_id: int):
    record = services.service_for_page(service_id)
    if record is None:
        abort(404)
    if not policy.may_edit_service(current_user, record):
        abort(403)
    current_languages = [row.language for row in record.languages]
    form = ServiceForm(current_languages=current_languages)
    if request.method == "GET":
        _fill(form, record)
    if form.validate_on_submit():
        services.update_service(record, _fields(form), by=signed_in_user())
        db.session.commit()
        flash(_("%(name)s has been updated.", name=isolated(record.name)), "success")
        return redirect(url_for("directory.service", service_id=record.id))
    return render_template("directory/edit_service.html", form=form, service=record, organisation=record.organisation)


@policy.requires(Action.DIRECTORY_VIEW)
def confirm_service(service_id: int):
    record = db.session.get(Service, service_id)
    if record is None:
        abort(404)
    if not policy.may_edit_service(current_user, record):
        abort(403)
    services.confirm_service(record, by=signed_in_user())
    db.session.commit()
    flash(_("Thank you. The entry is marked as checked today."), "success")
    return redirect(url_for("directory.service", service_id=record.id))


@policy.requires(Action.ORGANISATIONS_MANAGE)
def new_service(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    form = ServiceForm()
    if request.method == "GET":
        form.capacity.data = CapacityStatus.OPEN.value
        form.response_target_days.data = 5
    if form.validate_on_submit():
        record = services.create_service(organisation, _fields(form), by=signed_in_user())
        db.session.commit()
        flash(_("%(name)s has been added.", name=isolated(record.name)), "success")
        return redirect(url_for("directory.service", service_id=record.id))
    return render_template("directory/edit_service.html", form=form, service=None, organisation=organisation)


def _fill(form: ServiceForm, record: Service) -> None:
    form.name.data = record.name
    form.capacity.data = record.capacity_status.value
    form.response_target_days.data = record.response_target_days
    form.description.data = record.description
    form.eligibility_description.data = record.eligibility_description
    form.minimum_age.data = record.minimum_age
    form.maximum_age.data = record.maximum_age
    form.areas.data = "\n".join(a.name for a in record.areas) or record.area_description
    form.need_domains.data = [row.domain for row in record.need_domains]
    form.languages.data = [row.language for row in record.languages]
    form.phones.data = "\n".join(f"{p.number}, {p.description}" if p.description else p.number for p in record.phones)
    form.email.data = record.email
    form.url.data = record.url


def _fields(form: ServiceForm) -> services.ServiceFields:
    return services.ServiceFields(
        name=form.name.data,
        description=form.description.data,
        eligibility_description=form.eligibility_description.data,
        minimum_age=form.minimum_age.data,
        maximum_age=form.maximum_age.data,
        areas=form.area_lines(),
        languages=form.languages.data or [],
        need_domains=form.need_domains.data or [],
        capacity=CapacityStatus(form.capacity.data),
        response_target_days=form.response_target_days.data,
        url=form.url.data,
        email=form.email.data,
        phones=form.phone_lines(),
    )
