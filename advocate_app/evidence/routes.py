"""Views: the outcomes dashboard, the evaluators' export download, and a person's own view of change."""

from __future__ import annotations

from flask import current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.evidence import change, export, pseudonyms, queries, services, view_models
from advocate_app.evidence.forms import ExportForm, PeriodForm
from advocate_app.people.models import Person
from advocate_app.plans.forms import GOAL_STATUS_LABELS
from advocate_app.plans.pages import rater_labels
from advocate_app.policy import Action
from advocate_app.referrals.models import DeclineReason
from advocate_app.team import evidence as team_evidence
from advocate_app.wording import is_the_person


def formatting_helpers() -> dict:
    return {
        "number": services.number,
        "signed": services.signed,
        "percent": services.percent,
        "month_name": services.month_name,
        "shown_text": services.shown_text,
    }


def _organisations(me: User) -> list[tuple[int, str]] | None:
    """Coordinators choose an organisation (or all); an advocate's figures are always their own caseload."""
    return queries.organisations() if policy.can(me, Action.EVIDENCE_PARTNERSHIP) else None


@policy.requires(Action.EVIDENCE_VIEW)
def dashboard():
    me = signed_in_user()
    today = local_today()
    form = PeriodForm(formdata=request.args if request.args else None)
    form.offer(today, _organisations(me))
    board = team_board = None
    if form.validate():
        board = services.dashboard(me, form.period(), today=today, organisation_id=form.organisation_id())
        team_board = team_evidence.board(
            queries.scope_for(me, form.period(), today=today, organisation_id=form.organisation_id()), board.minimum
        )
    return render_template(
        "evidence/dashboard.html",
        form=form,
        board=board,
        team_board=team_board,
        tables=view_models.dashboard_tables(board),
        is_coordinator=policy.can(me, Action.EVIDENCE_PARTNERSHIP),
        goal_status_labels=GOAL_STATUS_LABELS,
        rater_names=services.RATER_NAMES,
        decline_names=services.DECLINE_NAMES,
        decline_reasons=list(DeclineReason),
        domain_label=services.domain_label,
        area_label=services.area_label,
    )


@policy.requires(Action.EVIDENCE_EXPORT)
def export_download():
    me = signed_in_user()
    today = local_today()
    form = ExportForm()
    form.offer(today, _organisations(me))
    problem = None
    if form.validate_on_submit():
        try:
            key = pseudonyms.key_from(current_app.config, current_app.instance_path)
        except pseudonyms.KeyMissing:
            problem = _("The export is not set up on this server yet: ask whoever runs it to set the pseudonym key.")
        else:
            period = form.period()
            scope = queries.scope_for(me, period, today=today, organisation_id=form.organisation_id())
            data = export.build(scope, key)
            services.record_export(me, period)
            db.session.commit()
            response = make_response(data.zip_bytes())
            response.headers["Content-Type"] = "application/zip"
            response.headers["Content-Disposition"] = f'attachment; filename="{data.folder}.zip"'
            return response
    return render_template("evidence/export.html", form=form, problem=problem), 503 if problem else 200


def _progress_page(person: Person):
    me = signed_in_user()
    is_person = is_the_person(me)
    if not is_person:
        audit("view", actor=me, person_id=person.id, object_type="progress")
        db.session.commit()
    return render_template(
        "evidence/progress.html",
        person=person,
        is_person=is_person,
        change=change.person_change(person.id),
        raters=rater_labels(person, first_person=is_person),
        goal_status_labels=GOAL_STATUS_LABELS,
        back=url_for("people.my_plan") if is_person else url_for("plans.plan", person_id=person.id),
    )


@policy.requires(Action.PLAN_FOLLOW)
def progress(person_id: int):
    return _progress_page(policy.person_or_404(current_user, person_id, Action.PLAN_FOLLOW))


@policy.requires(Action.OWN_RECORD)
def my_progress():
    return _progress_page(policy.person_or_404(current_user, current_user.person_id or 0, Action.PLAN_VIEW))
