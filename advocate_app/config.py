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
        # How long a plan taken offline for a visit stays on the phone (and its key on the server).
        "OFFLINE_VISIT_LIFETIME": timedelta(hours=_int(env, "OFFLINE_VISIT_HOURS", 12)),
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
        "NO_DIRECT_CONTACT_WEEKS": _int(env, "NO_DIRECT_CONTACT_WEEKS", 4),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER", ""),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "SQLALCHEMY_ECHO": _bool(env.get("SQLALCHEMY_ECHO")),
        # Pages are small and different every time, so brotli at its quickest useful level: level 1 takes a quarter
        # to a third of level 4's time (the 130-entry plan, 77 KB of HTML: 73 µs instead of 330) for a fifth more
        # bytes (7.3 KB instead of 6.0). Every page stays far under the 14 KB that arrive in the first round trip
        # (DESIGN.md §6), so the extra bytes cost a phone no extra wait, while the server's time counts on every
        # view.
        "COMPRESS_ALGORITHM": ["br", "gzip", "deflate"],
        "COMPRESS_BR_LEVEL": 1,
        # Pages are never stored (no-store) and built assets answer conditional requests themselves (send_file).
        "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
        "RETENTION_YEARS": _int(env, "RETENTION_YEARS", 6),
        # Key of the evaluators' export pseudonyms, kept outside the database (see evidence.pseudonyms).
        "EVIDENCE_PSEUDONYM_KEY": env.get("EVIDENCE_PSEUDONYM_KEY", "")
        or ("test-evidence-pseudonym-key" if app_env == "test" else ""),
        "EVIDENCE_PSEUDONYM_KEY_FILE": env.get("EVIDENCE_PSEUDONYM_KEY_FILE", ""),
        # Operations: backup encryption key (see advocate_app.backup) and the token /metrics asks for.
        "BACKUP_KEY": env.get("BACKUP_KEY", ""),
        "BACKUP_KEY_FILE": env.get("BACKUP_KEY_FILE", ""),
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "LOG_FORMAT": env.get("LOG_FORMAT", "json" if production else "text"),
        # `make bench` only: a signed-in floor route and a query count on every response.
        "BENCH_ROUTES": _bool(env.get("BENCH_ROUTES")),
        **_sms_settings(env),
    }


# Words no text message may contain: a message read over someone's shoulder must not say what it is about.
DEFAULT_SMS_REVEALING_WORDS = (
    "abuse,abused,abuser,violence,violent,domestic,police,refuge,shelter,advocate,advocacy,victim,survivor,"
    "perpetrator,assault,harm,safeguarding,crime,court,injunction,support worker,case worker,caseworker,"
    "helpline,counselling,counsellor,plan together,referral,trauma,"
    # The same ideas in Welsh, Polish and Urdu, the other languages messages are written in.
    "trais,cam-drin,heddlu,lloches,eiriolwr,dioddefwr,atgyfeiriad,"
    "przemoc,przemocy,policja,policji,schronisko,ofiara,rzecznik,"
    "تشدد,پولیس,پناہ گاہ,زیادتی,مددگار"
)


def _sms_settings(env: dict) -> dict:
    """Settings of the text-message outbox and its dispatcher."""
    words = env.get("SMS_REVEALING_WORDS", DEFAULT_SMS_REVEALING_WORDS)
    return {
        # Seconds the provider has to answer one request; the twilio library waits for ever without it.
        "SMS_SEND_TIMEOUT": _int(env, "SMS_SEND_TIMEOUT", 10),
        # A message left "sending" this long by a dispatcher that died is checked with the provider again.
        "SMS_SENDING_LEASE": _int(env, "SMS_SENDING_LEASE", 120),
        "SMS_MAX_ATTEMPTS": _int(env, "SMS_MAX_ATTEMPTS", 8),
        # First wait after a transient failure, in seconds; it doubles each time (with jitter), up to an hour.
        "SMS_RETRY_BASE": float(env.get("SMS_RETRY_BASE") or 30),
        "SMS_BATCH_SIZE": _int(env, "SMS_BATCH_SIZE", 50),
        "SMS_DISPATCH_THREADS": _int(env, "SMS_DISPATCH_THREADS", 4),
        "SMS_CHECK_IN_DAYS": _int(env, "SMS_CHECK_IN_DAYS", 14),
        "SMS_VERDICT_QUESTION": _bool(env.get("SMS_VERDICT_QUESTION"), True),
        "PARTNERSHIP_REVIEW_MONTHS": _int(env, "PARTNERSHIP_REVIEW_MONTHS", 6),
        "SMS_REVEALING_WORDS": tuple(w.strip().lower() for w in words.split(",") if w.strip()),
        # Only for a local fake of the provider (tests, benchmark): where the twilio library sends requests.
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL", "").rstrip("/"),
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
