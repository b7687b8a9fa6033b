"""advocate_app: needs-based plans written together by a trusted advocate and the person they support."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import ChainableUndefined

from advocate_app import config as config_module

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent


def resource_dir(name: str) -> Path:
    """Where templates, static files or translations live: inside the installed package, else the checkout."""
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return CHECKOUT_DIR / name


def create_app(config: dict | None = None) -> Flask:
    """Build the app.

    :param config: settings that replace those read from the environment (tests pass
        ``config.for_tests(...)``).
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(CHECKOUT_DIR / "instance"),
        instance_relative_config=False,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    # GOV.UK macros read optional params freely; omitted ones must render as nothing, not fail.
    app.jinja_options = {**app.jinja_options, "undefined": ChainableUndefined}
    app.config.update(config if config is not None else config_module.from_environment(app.instance_path))
    if app.config.get("JINJA_BYTECODE_CACHE") is not None:
        # Lets many short-lived apps (the test suite) share compiled templates.
        app.jinja_options = {**app.jinja_options, "bytecode_cache": app.config["JINJA_BYTECODE_CACHE"]}

    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    from advocate_app import db

    db.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension objects of ``extensions.py`` and our own request hooks to the app."""
    from advocate_app import i18n, metrics, observability, security, templating
    from advocate_app.accounts import auth
    from advocate_app.extensions import compress, csrf, limiter, login_manager

    observability.init_app(app)
    metrics.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    auth.init_app(app, login_manager)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)

    from advocate_app import benchmark

    benchmark.init_app(app)

    from advocate_app import sms

    sms.init_app(app)

    from advocate_app import team

    team.init_app(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature, each imported by name from the module that lists its URLs."""
    from advocate_app.accessibility import bp as accessibility_bp
    from advocate_app.accounts.blueprint import bp as accounts_bp
    from advocate_app.assets import bp as assets_bp
    from advocate_app.consent.blueprint import bp as consent_bp
    from advocate_app.directory.blueprint import bp as directory_bp
    from advocate_app.evidence.blueprint import bp as evidence_bp
    from advocate_app.health import bp as health_bp
    from advocate_app.metrics import bp as metrics_bp
    from advocate_app.offline.blueprint import bp as offline_bp
    from advocate_app.people.blueprint import bp as people_bp
    from advocate_app.plans.blueprint import bp as plans_bp
    from advocate_app.records.blueprint import bp as records_bp
    from advocate_app.referrals.blueprint import bp as referrals_bp
    from advocate_app.sms.blueprint import bp as sms_bp
    from advocate_app.team.blueprint import bp as team_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(consent_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(referrals_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(accessibility_bp)
    app.register_blueprint(offline_bp)


def register_error_handlers(app: Flask) -> None:
    """Friendly, translated pages for errors; never a stack trace."""
    from advocate_app import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    """The ``advocate-app`` command group (also ``flask --app advocate_app``)."""
    from advocate_app.cli import register

    register(app)
