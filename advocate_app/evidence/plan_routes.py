"""Views: evaluation plans (write, lock, amend) and the report and export made against a locked plan."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.evidence import evaluation, followup, plan_export, pseudonyms, report_view
from advocate_app.evidence.forms import AmendPlanForm, EvaluationPlanForm, LockPlanForm
from advocate_app.evidence.models import EvaluationPlan
from advocate_app.evidence.queries import organisations
from advocate_app.policy import Action


def _plan_or_404(plan_id: int) -> EvaluationPlan:
    plan = evaluation.plan_or_none(plan_id)
    if plan is None:
        abort(404)
    return plan


def _form(form_class, plan: EvaluationPlan | None = None):
    form = form_class()
    form.offer(local_today(), organisations(), {code: label for code, label in evaluation.MEASURE_LABELS.items()})
    if plan is not None and not form.is_submitted():
        form.fill_from(plan)
    return form


@policy.requires(Action.EVALUATION_REPORT_VIEW)
def evaluation_plans():
    signed_in_user()
    return render_template("evidence/plans.html", plans=evaluation.plans())


@policy.requires(Action.EVALUATION_PLAN_WRITE)
def new_evaluation_plan():
    me = signed_in_user()
    form = _form(EvaluationPlanForm)
    if form.validate_on_submit():
        plan = evaluation.write_draft(None, evaluation.PlanFields(**form.fields()), by=me)
        db.session.commit()
        flash(_("Draft saved. Lock it before the work starts."), "success")
        return redirect(url_for("evidence.evaluation_plan", plan_id=plan.id))
    return render_template("evidence/plan_form.html", form=form, plan=None, amending=False)


@policy.requires(Action.EVALUATION_PLAN_WRITE)
def edit_evaluation_plan(plan_id: int):
    me = signed_in_user()
    plan = _plan_or_404(plan_id)
    if plan.locked_at is not None:
        return redirect(url_for("evidence.amend_evaluation_plan", plan_id=plan.id))
    form = _form(EvaluationPlanForm, plan)
    if form.validate_on_submit():
        evaluation.write_draft(plan, evaluation.PlanFields(**form.fields()), by=me)
        db.session.commit()
        flash(_("Draft saved."), "success")
        return redirect(url_for("evidence.evaluation_plan", plan_id=plan.id))
    return render_template("evidence/plan_form.html", form=form, plan=plan, amending=False)


@policy.requires(Action.EVALUATION_PLAN_WRITE)
def lock_evaluation_plan(plan_id: int):
    me = signed_in_user()
    plan = _plan_or_404(plan_id)
    if LockPlanForm().validate_on_submit():
        try:
            evaluation.lock(plan, by=me)
        except evaluation.AlreadyLocked:
            flash(_("This plan is locked already: change it by amending it."), "error")
        else:
            db.session.commit()
            flash(_("Plan locked: the time and the digest of its text are recorded below."), "success")
    return redirect(url_for("evidence.evaluation_plan", plan_id=plan.id))


@policy.requires(Action.EVALUATION_PLAN_WRITE)
def amend_evaluation_plan(plan_id: int):
    me = signed_in_user()
    plan = _plan_or_404(plan_id)
    if plan.locked_at is None:
        return redirect(url_for("evidence.edit_evaluation_plan", plan_id=plan.id))
    form = _form(AmendPlanForm, plan)
    if form.validate_on_submit():
        try:
            evaluation.amend(plan, evaluation.PlanFields(**form.fields()), form.reason.data, by=me)
        except evaluation.NothingChanged:
            db.session.rollback()
            form.reason.errors.append(_("Nothing in the plan has changed: change it, or go back"))
        else:
            db.session.commit()
            flash(_("Amendment recorded, with its date, reason and digest below."), "success")
            return redirect(url_for("evidence.evaluation_plan", plan_id=plan.id))
    return render_template("evidence/plan_form.html", form=form, plan=plan, amending=True)


@policy.requires(Action.EVALUATION_REPORT_VIEW)
def evaluation_plan(plan_id: int):
    me = signed_in_user()
    plan = _plan_or_404(plan_id)
    view = None
    if plan.locked_at is not None:
        view = report_view.build(followup.report(plan, local_today()))
        audit("view", actor=me, object_type="evaluation_report", object_id=plan.id)
        db.session.commit()
    return render_template(
        "evidence/plan.html",
        plan=plan,
        text=evaluation.current_text(plan),
        report=view,
        lock_form=LockPlanForm(),
    )


@policy.requires(Action.EVIDENCE_EXPORT)
def export_evaluation_plan(plan_id: int):
    me = signed_in_user()
    plan = _plan_or_404(plan_id)
    if plan.locked_at is None or not LockPlanForm().validate_on_submit():
        return redirect(url_for("evidence.evaluation_plan", plan_id=plan.id))
    try:
        key = pseudonyms.key_from(current_app.config, current_app.instance_path)
    except pseudonyms.KeyMissing:
        flash(_("The export is not set up on this server yet: ask whoever runs it to set the pseudonym key."), "error")
        return redirect(url_for("evidence.evaluation_plan", plan_id=plan.id))
    data = plan_export.for_plan(followup.report(plan, local_today()), key)
    audit("export", actor=me, object_type="evaluation_export", object_id=plan.id)
    db.session.commit()
    response = make_response(data.zip_bytes())
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{data.folder}.zip"'
    return response
