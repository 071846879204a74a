"""Waves changed from the dashboard: created, extended or closed early, in Danish local time.

The rule that keeps periods apart: a wave's closing time may be moved while the wave is open or
not yet open. A closed wave may only be reopened if nobody has answered in it (no response and
no used link); a closed wave with answers stays closed, because answers given after a new
opening would be mixed into the earlier period. Opening times are never changed here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from .formatting import COPENHAGEN
from .models import Response, SpentLink, Wave, utcnow
from .waves import WaveError, WaveState, as_utc, wave_state

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def parse_local(text: str, field: str) -> datetime:
    """A ``datetime-local`` value (ÅÅÅÅ-MM-DDTTT:MM, or a date: midnight) in Danish time, as UTC."""
    text = (text or "").strip()
    for pattern in (LOCAL_FORMAT, "%Y-%m-%d"):
        try:
            local = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if not 1900 <= local.year <= 2999:
            break
        return as_utc(local.replace(tzinfo=COPENHAGEN))
    raise WaveError(f"{field}: »{text[:40]}« er ikke et tidspunkt (brug ÅÅÅÅ-MM-DD TT:MM).")


def local_input_value(moment: datetime) -> str:
    """A stored UTC time as the value of a ``datetime-local`` field, in Danish time."""
    return as_utc(moment).astimezone(COPENHAGEN).strftime(LOCAL_FORMAT)


def has_answers(session: Session, wave_id: int) -> bool:
    """Whether anyone has answered in the wave (a response or a used link)."""
    responses = select(func.count()).select_from(Response).where(Response.wave_id == wave_id)
    spent = select(func.count()).select_from(SpentLink).where(SpentLink.wave_id == wave_id)
    return bool(session.execute(responses).scalar_one() or session.execute(spent).scalar_one())


def move_closing(
    session: Session, wave: Wave, closes_at: datetime, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """Set a new closing time; returns (old, new). Refused (WaveError, Danish) if it is not after
    the opening, lies in the past, or would reopen a closed wave that has answers."""
    now = now or utcnow()
    closes_at = as_utc(closes_at)
    old = as_utc(wave.closes_at)
    if closes_at <= as_utc(wave.opens_at):
        raise WaveError("Lukketidspunktet skal ligge efter åbningstidspunktet.")
    if closes_at <= now:
        raise WaveError("Lukketidspunktet skal ligge i fremtiden; brug »Luk nu« for at lukke.")
    if wave_state(wave, now) is WaveState.CLOSED and has_answers(session, wave.id):
        raise WaveError(
            f"Runden »{wave.title}« er lukket og har svar. Den kan ikke åbnes igen, for så ville "
            "nye svar blive blandet med svarene fra den første periode. Opret en ny runde."
        )
    wave.closes_at = closes_at
    session.add(wave)
    return old, closes_at


def close_now(
    session: Session, wave: Wave, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """Close an open wave at once; returns (old, new). Refused unless the wave is open."""
    now = now or utcnow()
    if wave_state(wave, now) is not WaveState.OPEN:
        raise WaveError(f"Runden »{wave.title}« er ikke åben og kan derfor ikke lukkes nu.")
    old = as_utc(wave.closes_at)
    wave.closes_at = now
    session.add(wave)
    return old, now
