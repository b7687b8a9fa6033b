"""The organisation worker's referrals inbox."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from advocate_app import db
from advocate_app.accounts.auth import roles_required
from advocate_app.accounts.models import Role
from advocate_app.directory.models import Organisation
from advocate_app.referrals import bp


@bp.get("/referrals")
@roles_required(Role.ORG_WORKER)
def inbox():
    # Referrals arrive once advocates can make them; until then every inbox is empty.
    organisation = db.session.get(Organisation, current_user.organisation_id) if current_user.organisation_id else None
    return render_template("referrals/inbox.html", organisation=organisation, referrals=[])
