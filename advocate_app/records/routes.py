"""Views for the access log ("who has seen my record") and the subject access export."""

from __future__ import annotations

import json
from datetime import date, datetime

from flask import make_response, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.consent.forms import DPA_CONDITION_LABELS, LAWFUL_BASIS_LABELS
from advocate_app.consent.models import Category
from advocate_app.people.forms import WEEKDAYS
from advocate_app.plans.forms import GOAL_STATUS_LABELS, PRIORITY_LABELS
from advocate_app.policy import Action
from advocate_app.records import access_log, subject_access
from advocate_app.wording import ABOUT_TOPICS, categories_in_words, is_the_person, labels, reader_of


def _is_person() -> bool:
    return is_the_person(current_user)


def _back_url(person_id: int) -> str:
    # Both pages are reached from the plan.
    return url_for("people.my_plan") if _is_person() else url_for("plans.plan", person_id=person_id)


def _clock(moment: datetime) -> str:
    """The time of day in the UK."""
    return format_datetime(moment, "HH:mm")


def _when(iso: str | None) -> str:
    """A moment from the export, shown in UK time."""
    return format_datetime(datetime.fromisoformat(iso), "d MMMM yyyy, HH:mm") if iso else ""


def _on(iso: str | None) -> str:
    """A date (or the UK day of a moment) from the export."""
    if not iso:
        return ""
    value = datetime.fromisoformat(iso) if "T" in iso else date.fromisoformat(iso)
    return format_date(value, "d MMMM yyyy")


def _categories_in_words(name: str):
    """What was shared, worded for the reader ("your needs", or "Sam's needs" for staff)."""
    return lambda values: categories_in_words({Category(v) for v in values}, reader_of(current_user), name)


@policy.requires(Action.ACCESS_LOG_VIEW)
def access(person_id: int):
    """Who has seen the record: staff, their organisation and when; emergencies and sharing without consent first."""
    person = policy.person_or_404(current_user, person_id, Action.ACCESS_LOG_VIEW)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    log = access_log.access_log(person.id, page=page)
    if not _is_person():
        audit("view", actor=signed_in_user(), person_id=person.id, object_type="access_log")
    db.session.commit()
    return render_template(
        "records/access_log.html",
        person=person,
        log=log,
        is_person=_is_person(),
        back=_back_url(person.id),
        words=_categories_in_words(person.preferred_name),
        clock=_clock,
    )


def _export(person_id: int) -> dict:
    """Record the export, then gather the record (so the copy shows this export too)."""
    person = policy.person_or_404(current_user, person_id, Action.RECORD_EXPORT)
    audit("export", actor=signed_in_user(), person_id=person.id, object_type="subject_access", object_id=person.id)
    db.session.flush()
    data = subject_access.subject_access_data(person.id)
    db.session.commit()
    return data


@policy.requires(Action.RECORD_EXPORT)
def export_json(person_id: int):
    """Everything held about the person, as a JSON file to keep."""
    data = _export(person_id)
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    filename = f"my-record-{local_today().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@policy.requires(Action.RECORD_EXPORT)
def export_page(person_id: int):
    """Everything held about the person, as a page to read, print or save as PDF."""
    data = _export(person_id)
    children: dict = {}
    for plan in data["plans"]:
        for item in plan["items"]:
            children.setdefault((plan["id"], item["parent_id"]), []).append(item)
    return render_template(
        "records/export.html",
        data=data,
        person_id=person_id,
        children=children,
        is_person=_is_person(),
        back=_back_url(person_id),
        made_on=local_today(),
        weekdays=WEEKDAYS,
        about_topics={
            topic.value: label
            for topic, label in labels(ABOUT_TOPICS, reader_of(current_user), data["person"]["preferred_name"]).items()
        },
        when=_when,
        on=_on,
        words=_categories_in_words(data["person"]["preferred_name"]),
        goal_status_labels={k.value: v for k, v in GOAL_STATUS_LABELS.items()},
        priority_labels={int(k): v for k, v in PRIORITY_LABELS.items()},
        lawful_basis_labels=LAWFUL_BASIS_LABELS,
        dpa_condition_labels=DPA_CONDITION_LABELS,
    )
