"""The items a GOV.UK component lists for a WTForms field (choices, errors), built here for the field macros
(templates/macros/fields.html) rather than appended to a list in the template."""

from __future__ import annotations

from advocate_app.i18n import quick_gettext as _


def error_list(form) -> list[dict]:
    """The error summary's links: each field's first error, then an expired form, then the form's own errors."""
    items = []
    for field in form:
        if field.errors and field.type != "CSRFTokenField":
            target = field.id + ("-day" if field.type == "DatePartsField" else "")
            items.append({"text": field.errors[0], "href": f"#{target}"})
    csrf = getattr(form, "csrf_token", None)
    if csrf is not None and csrf.errors:
        items.append({"text": _("The form had expired. Please try again."), "href": "#main-content"})
    items.extend({"text": message, "href": "#main-content"} for message in form.form_errors)
    return items


def radio_items(field, hints: dict | None = None) -> list[dict]:
    """One radio per choice; the field's value (compared as text) is checked.

    :param hints: words under some of the choices, by value (as text or as it is).
    """
    chosen = None if field.data is None else str(field.data)
    items = [{"value": value, "text": label, "checked": str(value) == chosen} for value, label in field.choices]
    if hints:
        words = {str(value): text for value, text in hints.items()}
        for item in items:
            item["hint"] = {"text": words[str(item["value"])]} if str(item["value"]) in words else None
    return items


def checkbox_items(field) -> list[dict]:
    """One checkbox per choice; every chosen value (compared as text) is checked."""
    chosen = {str(value) for value in field.data or []}
    return [{"value": value, "text": label, "checked": value in chosen} for value, label in field.choices]


def select_items(field) -> list[dict]:
    """One option per choice; the field's value (compared as text) is selected."""
    chosen = str(field.data)
    return [{"value": value, "text": label, "selected": str(value) == chosen} for value, label in field.choices]
