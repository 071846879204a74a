"""Configuration read from the environment, with safe defaults."""

from __future__ import annotations

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


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the app's settings from ``SURVEY_APP_*`` variables, then apply ``overrides``.

    ``SURVEY_APP_ENV`` is ``production`` (the default), ``development`` or ``testing``.
    Production refuses to start without ``SURVEY_APP_SECRET_KEY``.
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
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance_path / 'survey_app.sqlite3'}"
    config = {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        "QUESTIONNAIRE_DIR": Path(_env("QUESTIONNAIRE_DIR", str(DEFAULT_QUESTIONNAIRE_DIR))),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "TOKEN_GUESS_LIMIT": _env("TOKEN_GUESS_LIMIT", "20 per 10 minutes"),
        "LOGIN_FAILURE_LIMIT": _env("LOGIN_FAILURE_LIMIT", "5 per minute;20 per hour"),
        "KIOSK_IDLE_MINUTES": int(_env("KIOSK_IDLE_MINUTES", "10")),
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        "IDLE_TIMEOUT_MINUTES": int(_env("IDLE_TIMEOUT_MINUTES", "30")),
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
    config.update(overrides)
    return config
