"""What templates may use: hashed asset URLs, the CSP nonce, language and date helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple, TypeVar

from babel.dates import format_date as babel_format_date
from flask import Flask, current_app, request, url_for
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, pass_context
from markupsafe import Markup, escape

from advocate_app import db, form_items, policy
from advocate_app.accounts import auth
from advocate_app.accounts.models import Role
from advocate_app.config import RTL_LANGUAGES
from advocate_app.i18n import LANGUAGE_NAMES, isolated, page_translators, title_text, worded
from advocate_app.i18n import quick_gettext as _  # every page's menu: through the request's catalogue
from advocate_app.needs import NEED_DOMAINS
from advocate_app.security import csp_nonce
from advocate_app.urls import address_for_each

T = TypeVar("T")


def _manifest() -> dict:
    cached = current_app.extensions.get("advocate_app.assets")
    if cached is None or current_app.debug:
        path = current_app.static_folder and f"{current_app.static_folder}/dist/manifest.json"
        try:
            with open(path, encoding="utf-8") as handle:
                cached = json.load(handle)
        except (OSError, TypeError, ValueError):
            cached = {}
        current_app.extensions["advocate_app.assets"] = cached
    return cached


def asset_url(name: str) -> str:
    """URL of a built asset by its logical name (``app.css``), through the content-hashed manifest."""
    return route_url("assets.built", filename=_manifest().get(name, name))


def route_url(endpoint: str, **values) -> str:
    """``url_for`` for the addresses every page links to (the menu, the footer, the assets), each built once.

    Such an address depends only on the route, its values and where the app is mounted, never on who asks:
    building them afresh cost every page more than its own content.
    """
    key = (request.script_root, endpoint, *sorted(values.items()))
    return made_once("route_urls", key, lambda: url_for(endpoint, **values))


class LayoutAddresses(NamedTuple):
    """The addresses base.html links to on every page: the favicon, the built assets, home, signing out,
    choosing a language and the accessibility statement."""

    favicon: str
    stylesheet: str
    script: str
    offline_script: str
    home: str
    sign_out: str
    choose_language: str
    accessibility: str


def layout_addresses() -> LayoutAddresses:
    """Every page's fixed addresses, made once for where the app is mounted (one ``route_url`` a link cost each
    page about as much as its menu)."""
    return made_once(
        "layout_addresses",
        (request.script_root,),
        lambda: LayoutAddresses(
            favicon=route_url("static", filename="favicon.svg"),
            stylesheet=asset_url("app.css"),
            script=asset_url("app.mjs"),
            offline_script=asset_url("offline.mjs"),
            home=route_url("accounts.home"),
            sign_out=route_url("accounts.logout"),
            choose_language=route_url("accounts.choose_language"),
            accessibility=route_url("accessibility.statement"),
        ),
    )


def made_once(kind: str, key: tuple, make: Callable[[], T]) -> T:
    """What ``make()`` gives, made the first time ``key`` is asked for and kept for the app's life (made afresh
    in debug, where templates and catalogues change under a running app).

    Only for what every page shows alike: our own words and addresses, which depend on the language, the role
    or where the app is mounted, never on whose page it is or on anything a person can change.
    """
    app = current_app._get_current_object()  # not the proxy: every page asks this several times
    made = app.extensions.setdefault(f"advocate_app.{kind}", {})
    if key not in made or app.debug:
        made[key] = make()
    return made[key]


@lru_cache(maxsize=8192)
def day_in(day: date, locale: str) -> str:
    """A day as "4 March 2026" in ``locale``."""
    # Formatting a date with Babel costs more than rendering the entry it belongs to, and a page shows the
    # same few days again and again: each day is worded once per language.
    return babel_format_date(day, "d MMMM yyyy", locale=locale)


@pass_context
def _short_date(context, value: date | datetime | None) -> Markup | str:
    """A day as "4 March 2026", in the page's language; a moment is first put in the service's time zone."""
    if value is None:
        return ""
    # A macro imported without the page's context has neither: ask Flask-Babel then.
    if isinstance(value, datetime):
        value = value.astimezone(context.get("local_zone") or get_timezone()).date()
    # Our own words (markup, escaped): a sentence it goes into need not isolate it as it isolates typed text.
    return escape(day_in(value, context.get("current_locale") or str(get_locale())))


def _date_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "d MMMM yyyy, HH:mm")


def _bdi(value) -> Markup:
    """User-written text in its own ``<bdi>``: it reads in its own direction and cannot reorder the page's
    words around it. (In ``<title>`` or an attribute, where markup cannot go, use ``isolated``.)"""
    return Markup("<bdi>%s</bdi>") % ("" if value is None else value)


def _isolated(value) -> str:
    return isolated("" if value is None else str(value))


class MenuItem(NamedTuple):
    """One link of the header menu; ``active`` when it is the page in view."""

    url: str
    label: str
    active: bool


# What a part made once leaves for each page to fill, written where the part's template writes ``slot.<name>``
# (characters of Unicode's private use area, which no text of ours has).
SLOTS = {"csrf_token": "\ue000csrf_token\ue000", "here": "\ue000here\ue000"}


def made_with_slots(template: str, **context) -> Markup:
    """``template`` rendered with ``context`` alone (no request's values), each ``slot.<name>`` it writes left as
    ``%(name)s``: the part is made once (``made_once``) and each page fills it with ``part % values``, which escapes
    the values as ``{{ }}`` would."""
    written = current_app.jinja_env.get_template(template).render(context, slot=SLOTS).replace("%", "%%")
    for name, stand_in in SLOTS.items():
        written = written.replace(stand_in, f"%({name})s")
    return Markup(written)  # noqa: S704 # nosec B704 # our template, autoescaped; the slots' values are escaped when filled


def page_header(user, locale: str) -> Markup:
    """The skip link and header (templates/layout/header.html), with the slots of ``SLOTS``.

    It depends only on where the app is mounted, the language, the reader's role and which menu item is the page in
    view: each is made once (the header's words and addresses had cost every page as much as a short page's own).
    """
    role = user.role if user.is_authenticated else None
    menu = _menu_items(role, locale)
    here = request.endpoint
    active = here if any(endpoint == here for endpoint, _url, _label in menu) else None
    return made_once(
        "page_headers",
        (request.script_root, locale, role, active),
        lambda: made_with_slots(
            "layout/header.html",
            nav_items=[MenuItem(url, label, endpoint == active) for endpoint, url, label in menu],
            page_addresses=layout_addresses(),
            service_name=current_app.config["SERVICE_NAME"],
            **page_translators(),
        ),
    )


def page_footer(locale: str) -> Markup:
    """The footer (templates/layout/footer.html), with the slots of ``SLOTS``: made once per language and mount
    point."""
    return made_once(
        "page_footers",
        (request.script_root, locale),
        lambda: made_with_slots(
            "layout/footer.html",
            page_addresses=layout_addresses(),
            service_name=current_app.config["SERVICE_NAME"],
            language_names=LANGUAGE_NAMES,
            current_locale=locale,
            **page_translators(),
        ),
    )


def _menu_items(role: Role | None, locale: str) -> tuple[tuple[str, str, str], ...]:
    """(endpoint, address, words) of each item of the menu of ``role`` (none for no one signed in), made once."""
    if role is None:
        return ()
    return made_once(
        "menus",
        (request.script_root, role, locale),
        lambda: tuple((endpoint, route_url(endpoint), label) for endpoint, label in _menu(role)),
    )


def _menu(role) -> list[tuple[str, str]]:
    """(endpoint, words) of each item of a role's menu, in the language in force."""
    by_role = {
        Role.ADVOCATE: [
            ("people.caseload", _("Caseload")),
            ("people.new_person", _("Add a person")),
            ("directory.browse", _("Directory")),
            ("evidence.dashboard", _("Outcomes")),
        ],
        Role.INDIVIDUAL: [("people.my_plan", _("My plan")), ("evidence.my_progress", _("What has changed"))],
        Role.ORG_WORKER: [
            ("referrals.inbox", _("Referrals")),
            ("consent.shared_people", _("Shared with us")),
            ("directory.browse", _("Directory")),
            ("team.organisation_verdicts", _("Feedback")),
        ],
        Role.COORDINATOR: [
            ("accounts.admin_home", _("Overview")),
            ("directory.organisations", _("Organisations")),
            ("accounts.users", _("Users")),
            ("people.assignments", _("People")),
            ("consent.overrides", _("Sharing decisions")),
            ("evidence.dashboard", _("Evidence")),
            ("team.reviews_due", _("Reviews")),
        ],
    }
    return by_role[role] + [("accounts.account", _("Account"))]


def _show_exit_this_page(user) -> bool:
    """Everyone not signed in as staff might be the person, maybe on a watched phone.

    A page made without the database (the outage page) asks the session cookie, not the user.
    """
    if not db.usable():
        return not auth.signed_in_as_staff_by_cookie()
    return not (user.is_authenticated and user.is_staff)


def _exit_this_page(locale: str) -> Markup:
    """GOV.UK's "Exit this page" in ``locale``: its words and where it leads are the same on every page, so the
    component's macro (about 4 % of a person's plan page) runs once per language and mount point."""
    return made_once(
        "exit_this_page",
        (request.script_root, locale),
        lambda: Markup(current_app.jinja_env.get_template("layout/exit_this_page.html").render(page_translators())),  # noqa: S704 # nosec B704 # our template, autoescaped
    )


def worded_once(labels: dict, locale: str | None = None) -> dict:
    """``worded(labels)`` made once per language (``locale``, else the one in force): for the label tables kept
    in modules (our own words, which change only with the catalogues)."""
    return made_once("worded", (id(labels), locale or str(get_locale())), lambda: worded(labels))


ROLE_NAMES = {
    "individual": _l("Person supported"),
    "advocate": _l("Advocate"),
    "org_worker": _l("Organisation worker"),
    "coordinator": _l("Coordinator"),
}
KIND_NAMES = {
    "voluntary": _l("Voluntary or community organisation"),
    "statutory": _l("Statutory service"),
    "other": _l("Other"),
}
OVERRIDE_STATUS = {
    "pending": _l("Waiting for a coordinator"),
    "approved": _l("Approved"),
    "rejected": _l("Refused"),
    "ended": _l("Ended"),
}
CAPACITY_NAMES = {
    "open": _l("Taking referrals"),
    "waiting_list": _l("Waiting list"),
    "closed": _l("Not taking referrals"),
}


def _context() -> dict:
    locale = str(get_locale())
    # The user itself, not the proxy: a page reads it many times.
    user = current_user._get_current_object()
    return {
        **page_translators(),
        "role_names": worded_once(ROLE_NAMES, locale),
        "kind_names": KIND_NAMES,
        "capacity_names": CAPACITY_NAMES,
        "override_status": OVERRIDE_STATUS,
        "page_header": page_header(user, locale),
        "page_footer": page_footer(locale),
        "exit_this_page": _exit_this_page(locale) if _show_exit_this_page(user) else None,
        "csp_nonce": csp_nonce,
        "asset_url": asset_url,
        "route_url": route_url,
        "page_addresses": layout_addresses(),
        "service_name": current_app.config["SERVICE_NAME"],
        "current_locale": locale,
        "local_zone": get_timezone(),
        "text_direction": "rtl" if locale in RTL_LANGUAGES else "ltr",
        "language_names": LANGUAGE_NAMES,
        "need_domains": NEED_DOMAINS,
        "current_user": user,
        # What a page may offer is policy's question: ``may("plan.write", person)``.
        "may": policy.may,
        # Which organisations the reader may see named on pages about a person: ``names_for(person)``.
        "names_for": policy.names_for,
    }


def safe_window_lines(windows, weekdays) -> list[str]:
    """Each safe time for messages as a line, "Monday 09:00–17:00": from the record's windows, or from a
    subject access copy's (``weekday``, ``from``, ``until``)."""
    lines = []
    for window in windows:
        if isinstance(window, dict):
            day, start, end = window["weekday"], window["from"], window["until"]
        else:
            day, start, end = window.weekday, window.starts_at.strftime("%H:%M"), window.ends_at.strftime("%H:%M")
        lines.append(f"{weekdays[day]} {start}–{end}")
    return lines


def init_app(app: Flask) -> None:
    """Register the GOV.UK macros' templates, our context and filters."""
    app.jinja_loader = ChoiceLoader(
        [app.jinja_loader, PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    app.context_processor(_context)
    app.add_template_filter(_short_date, "short_date")
    app.add_template_filter(_date_time, "date_time")
    app.add_template_filter(_bdi, "bdi")
    app.add_template_filter(_isolated, "isolated")
    app.add_template_filter(title_text, "title_text")
    app.add_template_global(form_items, "form_items")
    app.add_template_global(safe_window_lines, "safe_window_lines")
    app.add_template_global(address_for_each, "address_for_each")
