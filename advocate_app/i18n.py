"""Languages: choosing the locale for a request, and text direction."""

from __future__ import annotations

from datetime import tzinfo
from functools import cache, lru_cache

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_babel, get_locale, get_translations
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from advocate_app import db, resource_dir
from advocate_app.config import RTL_LANGUAGES
from advocate_app.extensions import babel

LANGUAGE_NAMES = {
    # Each language named in itself, so a person can find their own.
    "en": "English",
    "cy": "Cymraeg",
    "pl": "Polski",
    "ur": "اردو",
}


def select_locale() -> Locale:
    """The user's own setting, else the choice made in this session, else the browser's preference.

    A page made without the database (an error page) never loads the user: the session keeps their
    language from sign-in on.
    """
    return _locale(_language())


@cache
def _locale(code: str) -> Locale:
    """Babel's record of a language, made once: Flask-Babel would parse the code again on every page."""
    return Locale.parse(code)


def _language() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # The command line and workers: messages they make for a person say which language explicitly.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object() if db.usable() else None  # not the proxy: asked three times
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    preferred = _browser_language(request.headers.get("Accept-Language", ""), languages)
    return preferred or current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=512)
def _browser_language(accept_language: str, languages: tuple[str, ...]) -> str | None:
    """The first of ``languages`` the browser's ``Accept-Language`` asks for: the same few headers come again and
    again, and reading one costs more than the rest of choosing the language."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(languages)


def select_timezone() -> tzinfo:
    """The service's one time zone (``BABEL_DEFAULT_TIMEZONE``), looked up once: Flask-Babel would look it up by
    name on every page."""
    return _zone(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@cache
def _zone(name: str) -> tzinfo:
    # The app's zone is ``name``: Flask-Babel's own object for it, as it would have made it (pytz's).
    return get_babel().instance.default_timezone


def text_direction() -> str:
    """``rtl`` for right-to-left languages, else ``ltr``."""
    return "rtl" if str(get_locale()) in RTL_LANGUAGES else "ltr"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector and translations folder."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(resource_dir("translations")),
    )
    install_quick_gettext(app)


def _catalogue():
    """The translations for the locale in force, looked up once per language for the app's life (afresh in debug,
    where the catalogues change under a running app).

    Flask-Babel looks the catalogue up afresh for every message, which costs more than rendering a row of a
    list. ``force_locale`` swaps the locale in force, so a block in another language still gets its own.
    """
    if not g:
        return get_translations()
    app = current_app._get_current_object()  # not the proxy: every page asks at least once
    locale = get_locale()
    catalogues = app.extensions.setdefault("advocate_app.catalogues", {})
    translations = catalogues.get(locale)
    if translations is None or app.debug:
        translations = catalogues[locale] = get_translations()
    return translations


def quick_gettext(message: str, **variables) -> str:
    """Flask-Babel's ``gettext``, through the catalogue looked up once per request (the same text, found faster:
    a long page words a line for every entry)."""
    text = _catalogue().ugettext(message)
    return text % variables if variables else text


def install_quick_gettext(app: Flask) -> None:
    """Templates translate through ``_catalogue`` (the same messages as Flask-Babel's, found faster)."""
    app.jinja_env.install_gettext_callables(
        gettext=quick_gettext,
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
    )


def page_translators() -> dict:
    """``_``, ``gettext`` and ``ngettext`` for one page, bound to the catalogue in force when it is rendered.

    They behave as Jinja's "newstyle" gettext does in an autoescaped template (every template here is
    HTML): the translation is trusted markup and the values put into it are escaped. A page calls them a
    hundred times or more, so they skip the per-call lookups of the ones installed on the environment,
    which stay for macros imported without the page's context.
    Text put into a sentence is isolated (``isolated_values``): a name typed in another direction, or with
    direction controls, cannot reorder the page's own words around it.
    """
    catalogue = _catalogue()

    def gettext(message: str, **variables) -> Markup:
        # Our own catalogue's text is trusted as Jinja trusts it; the values put into it are escaped by %.
        text = catalogue.ugettext(message)
        if not variables and "%" not in text:
            # Most words on a page take no values: % would give the same text back (only "%%" needs it).
            return Markup(text)  # noqa: S704 # nosec B704 # our own catalogue
        return Markup(text) % isolated_values(variables)  # noqa: S704 # nosec B704 # our own catalogue, values escaped

    # A list says the same few counts again and again ("2 steps overdue" on many lines): each is worded once a page.
    counted: dict[tuple[str, int], Markup] = {}

    def ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
        if not variables and (said := counted.get((singular, num))) is not None:
            return said
        said = Markup(catalogue.ungettext(singular, plural, num)) % isolated_values({**variables, "num": num})  # noqa: S704 # nosec B704 # as in gettext above
        if not variables:
            counted[singular, num] = said
        return said

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


FSI, PDI = "\u2068", "\u2069"


def isolated(value: str) -> str:
    """``value`` between a first-strong isolate and its closer: it reads in its own direction and leaves
    the text around it alone. For places markup cannot go (``<title>``, attributes, flashed messages)."""
    return f"{FSI}{value}{PDI}"


def isolated_values(variables: dict) -> dict:
    """The text values of a translation's variables, each in its own ``<bdi>`` (escaped); numbers and
    markup as given. ``title_text`` turns the ``<bdi>`` into FSI…PDI where markup cannot go."""
    return {
        key: Markup("<bdi>%s</bdi>") % value if isinstance(value, str) and not isinstance(value, Markup) else value
        for key, value in variables.items()
    }


def title_text(html: str) -> Markup:
    """Rendered HTML for ``<title>`` (or an attribute): each ``<bdi>`` becomes FSI…PDI, as markup cannot go there."""
    return Markup(str(html).replace("<bdi>", FSI).replace("</bdi>", PDI))  # noqa: S704 # nosec B704 # already-rendered, escaped HTML


def worded(labels: dict) -> dict:
    """Lazily translated labels, each worded once now in the language in force.

    A list reads the same few labels on every row; a lazy label looks its catalogue up again each time.
    They are our own words (escaped markup), so a sentence they go into does not isolate them.
    """
    return {key: escape(str(label)) for key, label in labels.items()}
