"""Coordinator views for organisations and their services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from advocate_app import db
from advocate_app.accounts.auth import roles_required
from advocate_app.accounts.models import Role, User
from advocate_app.directory import bp, services
from advocate_app.directory.forms import OrganisationForm
from advocate_app.directory.models import Organisation, OrganisationKind, Service


@bp.get("/admin/organisations")
@roles_required(Role.COORDINATOR)
def organisations():
    rows = db.session.execute(
        select(Organisation, func.count(Service.id))
        .outerjoin(Service, Service.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return render_template("directory/organisations.html", rows=rows)


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
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
            by=current_user._get_current_object(),
        )
        db.session.commit()
        flash(_("%(name)s has been added.", name=organisation.name), "success")
        return redirect(url_for("directory.organisation", organisation_id=organisation.id))
    return render_template("directory/new_organisation.html", form=form)


@bp.get("/admin/organisations/<int:organisation_id>")
@roles_required(Role.COORDINATOR)
def organisation(organisation_id: int):
    record = db.session.scalar(
        select(Organisation).where(Organisation.id == organisation_id).options(selectinload(Organisation.services))
    )
    if record is None:
        abort(404)
    staff = db.session.scalars(
        select(User).where(User.organisation_id == organisation_id).order_by(User.display_name)
    ).all()
    return render_template("directory/organisation.html", organisation=record, staff=staff)
