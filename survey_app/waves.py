"""Waves: rounds of data collection for one questionnaire version, open between two times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import Enum

from sqlmodel import Session, select

from .models import QuestionnaireVersion, Wave, utcnow
from .reference_data import HISTORIC_WAVES
from .registry import find_version

# Lowercase letters, digits and hyphens, starting with a letter or digit: safe in URLs, file names
# and spreadsheets (never a formula).
WAVE_KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


class WaveError(ValueError):
    """A wave cannot be created or found; the message says why."""


class WaveState(Enum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive values are taken to be UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_iso(text: str, field: str) -> datetime:
    """Parse an ISO 8601 date or date-time; a value without offset is UTC."""
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError as exc:
        raise WaveError(f"{field}: '{text}' is not an ISO 8601 date or time") from exc


def wave_state(wave: Wave, now: datetime | None = None) -> WaveState:
    """Whether the wave is not yet open, open or closed at ``now``."""
    now = now or utcnow()
    if now < as_utc(wave.opens_at):
        return WaveState.NOT_YET_OPEN
    if now >= as_utc(wave.closes_at):
        return WaveState.CLOSED
    return WaveState.OPEN


def check_wave_key(wave_key: str) -> None:
    """Raise WaveError (in Danish) unless ``wave_key`` follows the wave key pattern."""
    if not WAVE_KEY_PATTERN.fullmatch(wave_key):
        raise WaveError(
            f"Bølgenøglen '{wave_key}' kan ikke bruges: brug højst 60 små bogstaver (a-z), "
            "tal og bindestreger, og begynd med et bogstav eller et tal, f.eks. jan-2019."
        )


def find_wave(session: Session, questionnaire: str, wave_key: str) -> Wave | None:
    """The wave ``wave_key`` of any version of ``questionnaire``, or None."""
    query = (
        select(Wave)
        .join(QuestionnaireVersion)
        .where(QuestionnaireVersion.key == questionnaire, Wave.key == wave_key)
    )
    return session.exec(query).first()


def create_wave(
    session: Session,
    questionnaire: str,
    wave_key: str,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    version: int | None = None,
    is_demo: bool = False,
    title_en: str | None = None,
) -> Wave:
    """Create a wave on a version of ``questionnaire`` (the newest unless ``version`` is given)."""
    stored = find_version(session, questionnaire, version)
    if stored is None:
        which = f" version {version}" if version else ""
        raise WaveError(
            f"questionnaire '{questionnaire}'{which} is not loaded (run load-questionnaires)"
        )
    check_wave_key(wave_key)
    if not title.strip():
        raise WaveError("title must not be empty")
    opens_at, closes_at = as_utc(opens_at), as_utc(closes_at)
    if closes_at <= opens_at:
        raise WaveError("closes must be after opens")
    if find_wave(session, questionnaire, wave_key) is not None:
        raise WaveError(f"questionnaire '{questionnaire}' already has a wave '{wave_key}'")
    wave = Wave(
        questionnaire_version_id=stored.id,
        key=wave_key,
        title=title.strip(),
        title_en=(title_en or "").strip() or None,
        opens_at=opens_at,
        closes_at=closes_at,
        is_demo=is_demo,
    )
    session.add(wave)
    session.flush()
    return wave


def ensure_historic_waves(session: Session) -> list[str]:
    """Create the seed's historic waves whose questionnaire is loaded; return those added."""
    added = []
    for historic in HISTORIC_WAVES:
        if find_version(session, historic.questionnaire, historic.version) is None:
            continue
        if find_wave(session, historic.questionnaire, historic.key) is None:
            create_wave(
                session,
                historic.questionnaire,
                historic.key,
                historic.title,
                historic.opens_at,
                historic.closes_at,
                version=historic.version,
                title_en=historic.title_en,
            )
            added.append(f"{historic.questionnaire}/{historic.key}")
    return added
