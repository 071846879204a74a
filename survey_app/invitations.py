"""Invitation links: random tokens handed out once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from .export import SPREADSHEET_TRIGGERS
from .models import Invitation, Municipality, Wave
from .waves import WaveState, as_utc, wave_state

TOKEN_BYTES = 24  # 192 random bits


class InvitationError(ValueError):
    """Invitations cannot be made as asked; the message says why."""


class WaveClosedError(InvitationError):
    """The wave has closed: a link to it could never be used."""


def takes_invitations(wave: Wave, now: datetime | None = None) -> bool:
    """Whether links can be made for ``wave`` at ``now``: it is open or has not opened yet."""
    return wave_state(wave, as_utc(now) if now else None) is not WaveState.CLOSED


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh URL-safe token with 192 random bits that never starts like a spreadsheet
    formula, so the ``token,url`` CSV holds it exactly as it is."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    while token.startswith(SPREADSHEET_TRIGGERS):
        token = secrets.token_urlsafe(TOKEN_BYTES)
    return token


@dataclass(frozen=True)
class IssuedInvitation:
    token: str
    url: str


def answer_url(base_url: str, token: str) -> str:
    """The answering link for a token."""
    return f"{base_url.rstrip('/')}/s/{token}"


def create_invitations(
    session: Session,
    wave: Wave,
    municipality: Municipality,
    count: int,
    base_url: str,
    respondent_keys: list[str] | None = None,
    is_demo: bool = False,
    now: datetime | None = None,
) -> list[IssuedInvitation]:
    """Create ``count`` invitations; the tokens exist only in the returned list. A wave that
    has closed by ``now`` (default: the current time) is refused with WaveClosedError."""
    if not takes_invitations(wave, now):
        raise WaveClosedError(
            f"wave '{wave.key}' closed at {wave.closes_at:%Y-%m-%d %H:%M} UTC; "
            "links can only be made for open and future waves"
        )
    if count < 1 or count > 10_000:
        raise InvitationError("count must be between 1 and 10000")
    if respondent_keys is not None and len(respondent_keys) != count:
        raise InvitationError("give one respondent key per invitation")
    issued = []
    for i in range(count):
        token = new_token()
        session.add(
            Invitation(
                token_hash=hash_token(token),
                wave_id=wave.id,
                municipality_id=municipality.id,
                respondent_key=respondent_keys[i] if respondent_keys else None,
                is_demo=is_demo,
            )
        )
        issued.append(IssuedInvitation(token, answer_url(base_url, token)))
    session.flush()
    return issued


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation a token belongs to, or None for an unknown or malformed token."""
    if not token or len(token) > 100:
        return None
    query = select(Invitation).where(Invitation.token_hash == hash_token(token))
    return session.exec(query).first()
