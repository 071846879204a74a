"""Configuration read from the environment, with safe defaults."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

ENV_PREFIX = "SURVEY_APP_"
DEFAULT_QUESTIONNAIRE_DIR = Path(__file__).resolve().parent.parent / "questionnaires"


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _development_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def derived_seal_key(secret: str) -> str:
    """The seal key used when ``SURVEY_APP_SEAL_KEY`` is not set: derived from the secret key."""
    return hmac.new(secret.encode(), b"survey-app link seal", hashlib.sha256).hexdigest()


def derived_mail_link_key(secret: str) -> str:
    """The key personal mail links are rebuilt with when ``SURVEY_APP_MAIL_LINK_KEY`` is unset."""
    return hmac.new(secret.encode(), b"survey-app mail link", hashlib.sha256).hexdigest()


def _mail_config(env: str, secret: str, overrides: dict) -> dict:
    """Settings of fieldwork by e-mail (survey_app/mail/)."""
    return {
        # Personal links are rebuilt from this key (mail/links.py); it is never in the database.
        "MAIL_LINK_KEY": overrides.get("MAIL_LINK_KEY")
        or _env("MAIL_LINK_KEY")
        or derived_mail_link_key(secret),
        # smtp://user:pass@host:587 (STARTTLS required), smtp+insecure://host:25 (no TLS, for a
        # local relay or tests); unset outside production: mails are written to instance/mail/.
        "SMTP_URL": _env("SMTP_URL"),
        "MAIL_FROM": _env("MAIL_FROM", "Spørgeskema <noreply@localhost>"),
        "MAIL_QUEUE": _env("MAIL_QUEUE", "survey-app-mail"),
        "MAIL_RATE_PER_MINUTE": float(_env("MAIL_RATE_PER_MINUTE", "60")),
        # Messages per job: a worker stopping (SIGTERM) finishes at most one batch.
        "MAIL_BATCH": int(_env("MAIL_BATCH", "50")),
        "MAIL_RETRY_DELAYS": [int(s) for s in _env("MAIL_RETRY_DELAYS", "60,300,1800").split(",")],
        "MAIL_SENDING_STALE_SECONDS": int(_env("MAIL_SENDING_STALE_SECONDS", "600")),
        "MAIL_REMINDER_GAP_DAYS": int(_env("MAIL_REMINDER_GAP_DAYS", "5")),
        "MAIL_PURGE_AFTER_DAYS": int(_env("MAIL_PURGE_AFTER_DAYS", "30")),
        "MAIL_SYNC_WITHOUT_REDIS": env != "production",
        # Tests send in-process unless a test asks for the queue (and its own Redis database).
        "MAIL_USE_QUEUE": env != "testing",
    }


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the app's settings from ``SURVEY_APP_*`` variables, then apply ``overrides``.

    ``SURVEY_APP_ENV`` is ``production`` (the default), ``development`` or ``testing``.
    Production refuses to start without ``SURVEY_APP_SECRET_KEY``, and with rate limits counted
    per worker process (``memory://``) unless ``SURVEY_APP_RATELIMIT_SINGLE_WORKER`` says only
    one worker runs.
    """
    overrides = dict(overrides or {})
    env = overrides.get("ENV_NAME") or _env("ENV", "production")
    if env not in ("production", "development", "testing"):
        raise ConfigurationError(
            f"SURVEY_APP_ENV must be production, development or testing, not {env!r}"
        )
    secret = overrides.get("SECRET_KEY") or _env("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigurationError(
                "SURVEY_APP_SECRET_KEY is not set. A production start needs a long random secret, "
                "e.g. SURVEY_APP_SECRET_KEY=$(python3 -c "
                "'import secrets; print(secrets.token_hex(32))'). "
                "For local use set SURVEY_APP_ENV=development, which keeps a generated key in the "
                "instance folder."
            )
        secret = _development_secret(instance_path)
    # The seal key hides which invitation a used-mark belongs to (answering/links.py). It must
    # stay the same for the life of the data; set it on its own to be free to rotate the secret.
    seal_key = overrides.get("SEAL_KEY") or _env("SEAL_KEY") or derived_seal_key(secret)
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance_path / 'survey_app.sqlite3'}"
    redis_url = _env("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "SEAL_KEY": seal_key,
        "DATABASE_URL": database_url,
        "QUESTIONNAIRE_DIR": Path(_env("QUESTIONNAIRE_DIR", str(DEFAULT_QUESTIONNAIRE_DIR))),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "REDIS_URL": redis_url,
        # Explicit, because the limiter extension is shared: an app made without it would
        # inherit whatever the app before it was given.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": _env(
            "RATELIMIT_STORAGE_URI", redis_url if env == "production" else "memory://"
        ),
        "RATELIMIT_SINGLE_WORKER": _env("RATELIMIT_SINGLE_WORKER", "") in ("1", "true", "yes"),
        "TOKEN_GUESS_LIMIT": _env("TOKEN_GUESS_LIMIT", "20 per 10 minutes"),
        "LOGIN_FAILURE_LIMIT": _env("LOGIN_FAILURE_LIMIT", "5 per minute;20 per hour"),
        "LOGIN_ADDRESS_ACCOUNT_FAILURE_LIMIT": _env(
            "LOGIN_ADDRESS_ACCOUNT_FAILURE_LIMIT", "5 per minute;10 per hour"
        ),
        "LOGIN_ADDRESS_FAILURE_LIMIT": _env("LOGIN_ADDRESS_FAILURE_LIMIT", "100 per hour"),
        "KIOSK_IDLE_MINUTES": int(_env("KIOSK_IDLE_MINUTES", "10")),
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        "IDLE_TIMEOUT_MINUTES": int(_env("IDLE_TIMEOUT_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(_env("SESSION_MAX_HOURS", "12")),
        "SUPPRESSION_THRESHOLD": int(_env("SUPPRESSION_THRESHOLD", "5")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": 3600 * 8,
        # Over HTTPS a form post must carry a same-origin Referer (see REFERRER_POLICY).
        "WTF_CSRF_SSL_STRICT": True,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "TESTING": env == "testing",
    }
    config.update(_mail_config(env, secret, overrides))
    config.update(overrides)
    _check_rate_limit_storage(config)
    return config


def _check_rate_limit_storage(config: dict) -> None:
    """Production counts rate limits in one shared store: with ``memory://`` each worker
    process would count on its own and let several times the limit through."""
    if (
        config["ENV_NAME"] == "production"
        and config["RATELIMIT_STORAGE_URI"].startswith("memory://")
        and not config["RATELIMIT_SINGLE_WORKER"]
    ):
        raise ConfigurationError(
            "SURVEY_APP_RATELIMIT_STORAGE_URI is memory://, so each worker process would count "
            "rate limits on its own and let several times the limit through. Unset it to use "
            "Redis at SURVEY_APP_REDIS_URL (default redis://127.0.0.1:6379/0), or, only when "
            "exactly one worker process runs (gunicorn -w 1), set "
            "SURVEY_APP_RATELIMIT_SINGLE_WORKER=1."
        )
