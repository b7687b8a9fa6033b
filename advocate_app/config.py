"""Settings read from the environment, in one place, with development, test and production variants."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

LANGUAGES = ("en", "cy", "pl", "ur")
RTL_LANGUAGES = frozenset({"ur"})


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a runnable app."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(environ: dict, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _development_secret(instance_path: Path) -> str:
    """Generate a secret key once and keep it in the instance folder, so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: str | Path, environ: dict | None = None) -> dict:
    """Build the Flask config mapping from environment variables.

    :param instance_path: the app's instance folder (SQLite file and development secret live here).
    :param environ: the variables to read; defaults to ``os.environ``.
    """
    env = dict(os.environ if environ is None else environ)
    instance = Path(instance_path)
    app_env = env.get("APP_ENV", "development").strip().lower()
    if app_env not in {"development", "production", "test"}:
        raise ConfigError(f"APP_ENV must be development, production or test, not {app_env!r}")
    production = app_env == "production"

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret_key = "test-secret-key" if app_env == "test" else _development_secret(instance)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'advocate_app.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    public_base_url = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    https = public_base_url.startswith("https://")

    return {
        "APP_ENV": app_env,
        "TESTING": app_env == "test",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "SERVICE_NAME": env.get("SERVICE_NAME", "Plan together"),
        "PUBLIC_BASE_URL": public_base_url,
        "DEMO_PASSWORD": env.get("DEMO_PASSWORD", "plan-together-demo"),
        # Where "Exit this page" sends someone: an ordinary site that gives nothing away.
        "EXIT_PAGE_URL": env.get("EXIT_PAGE_URL", "https://www.bbc.co.uk/weather"),
        # Sessions: signed cookie carries only a server-side session id (see accounts.sessions).
        "SESSION_COOKIE_NAME": "__Host-session" if (production and https) else "session",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=12),
        "SESSION_IDLE_TIMEOUT_INDIVIDUAL": timedelta(minutes=_int(env, "SESSION_IDLE_MINUTES_INDIVIDUAL", 15)),
        "SESSION_IDLE_TIMEOUT_STAFF": timedelta(minutes=_int(env, "SESSION_IDLE_MINUTES_STAFF", 60)),
        # Flask-Login's remember-me is never offered; should anything set it, keep it short and safe.
        "REMEMBER_COOKIE_DURATION": timedelta(hours=12),
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A CSRF token lives as long as the server-side session, so a form left open through a long
        # home visit still submits.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": https,
        "SETUP_CODE_LIFETIME": timedelta(minutes=15),
        "STAFF_SETUP_CODE_LIFETIME": timedelta(hours=_int(env, "STAFF_SETUP_CODE_HOURS", 72)),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _int(env, "MAX_CONTENT_LENGTH", 1024 * 1024),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": False,
        "PROXY_FIX_HOPS": _int(env, "PROXY_FIX_HOPS", 0),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Europe/London",
        "LANGUAGES": LANGUAGES,
        "DEFAULT_PHONE_REGION": env.get("DEFAULT_PHONE_REGION", "GB"),
        "SMS_BACKEND": env.get("SMS_BACKEND", "console"),
        "SMS_DAILY_LIMIT": _int(env, "SMS_DAILY_LIMIT", 3),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER", ""),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "SQLALCHEMY_ECHO": _bool(env.get("SQLALCHEMY_ECHO")),
        # Pages are small and different every time: brotli at a quick setting beats the others on size.
        "COMPRESS_ALGORITHM": ["br", "gzip", "deflate"],
        "COMPRESS_BR_LEVEL": 5,
        "RETENTION_YEARS": _int(env, "RETENTION_YEARS", 6),
        # `make bench` only: a signed-in floor route and a query count on every response.
        "BENCH_ROUTES": _bool(env.get("BENCH_ROUTES")),
    }


def for_tests(instance_path: str | Path, **overrides) -> dict:
    """Config for the test suite: in-memory SQLite unless told otherwise, no rate limits unless asked."""
    config = from_environment(
        instance_path,
        {
            "APP_ENV": "test",
            "DATABASE_URL": "sqlite+pysqlite:///:memory:",
            "RATELIMIT_ENABLED": "false",
        },
    )
    config["WTF_CSRF_ENABLED"] = True
    config.update(overrides)
    return config
