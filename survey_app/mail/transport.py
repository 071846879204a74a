"""Handing a mail to the SMTP server (or, in development, to a file in the instance folder)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

SMTP_TIMEOUT = 30


class TemporaryFailure(Exception):
    """The server said try later (4xx), or could not be reached: the mail may be retried."""


class PermanentFailure(Exception):
    """The server refused the mail for good (5xx, refused recipient)."""


class MailConfigurationError(RuntimeError):
    """Mails cannot be sent with this configuration; the message says what to set."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:587`` (STARTTLS required) or ``smtp+insecure://host:25``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+insecure") or not parts.hostname:
        raise MailConfigurationError(
            "SURVEY_APP_SMTP_URL must look like smtp://user:password@host:587 "
            "(or smtp+insecure://host:25 for a local relay without TLS)"
        )
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or 587,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=parts.scheme == "smtp",
    )


def _reason(code: int, text: bytes | str) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}"[:300]


def _classify(code: int, text) -> Exception:
    reason = _reason(code, text)
    return TemporaryFailure(reason) if 400 <= code < 500 else PermanentFailure(reason)


def send_smtp(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send one mail; raise TemporaryFailure or PermanentFailure if the server did not take it."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _classify(code, text) from exc
    except smtplib.SMTPResponseException as exc:
        raise _classify(exc.smtp_code, exc.smtp_error) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentFailure(f"the server does not offer STARTTLS: {exc}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:300]) from exc


def write_to_folder(folder: Path, message: EmailMessage, name: str) -> Path:
    """Development mode: write the mail as an .eml file instead of sending it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    path.write_bytes(bytes(message))
    return path
