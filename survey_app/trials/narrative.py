"""The evaluator's narrative for sections 1-4 of a trial's report: Markdown kept in the
database, one new version per save, with who and when. Missing sections stay visibly empty."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlmodel import Session

from ..models import TrialNarrative

SECTIONS = ("Indledning", "Resumé", "Hovedkonklusioner", "Beskrivelse af forsøget")
PLACEHOLDER = "[Afsnittet er ikke skrevet endnu. Evaluator skriver det på forsøgets side.]"
MAX_LENGTH = 100_000
HEADING = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


class NarrativeError(ValueError):
    """A narrative cannot be saved; the message says why (in Danish)."""


def template_text() -> str:
    """An empty narrative with the four headings, for a first edit."""
    return "\n\n".join(f"# {title}\n" for title in SECTIONS)


def current(session: Session, trial_key: str) -> TrialNarrative | None:
    """The newest saved version, or None."""
    query = (
        select(TrialNarrative)
        .where(TrialNarrative.trial_key == trial_key)
        .order_by(TrialNarrative.version.desc())
    )
    return session.execute(query).scalars().first()


def history(session: Session, trial_key: str) -> list[TrialNarrative]:
    """Every saved version, newest first."""
    query = (
        select(TrialNarrative)
        .where(TrialNarrative.trial_key == trial_key)
        .order_by(TrialNarrative.version.desc())
    )
    return list(session.execute(query).scalars())


def save(session: Session, trial_key: str, text: str, author: str) -> TrialNarrative:
    """Store ``text`` as a new version by ``author``; refused when too long or when a level-1
    heading is not one of the four sections."""
    text = text.replace("\r\n", "\n")
    if len(text) > MAX_LENGTH:
        raise NarrativeError(f"Teksten er længere end {MAX_LENGTH} tegn.")
    unknown = [h for h in HEADING.findall(text) if _normal(h) not in {_normal(s) for s in SECTIONS}]
    if unknown:
        raise NarrativeError(
            f"Overskriften „{unknown[0][:60]}“ er ikke et af afsnittene "
            f"({', '.join(SECTIONS)}); brug ## til underafsnit."
        )
    latest = session.execute(
        select(func.max(TrialNarrative.version)).where(TrialNarrative.trial_key == trial_key)
    ).scalar_one()
    entry = TrialNarrative(trial_key=trial_key, version=(latest or 0) + 1, text=text, author=author)
    session.add(entry)
    session.flush()
    return entry


def _normal(text: str) -> str:
    return re.sub(r"^\d+\.\s*", "", text).strip().lower()


def sections(text: str | None) -> dict[str, str]:
    """The Markdown body of each of the four sections ('' when missing or empty)."""
    found = {title: "" for title in SECTIONS}
    if not text:
        return found
    by_normal = {_normal(s): s for s in SECTIONS}
    parts = HEADING.split(text)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        title = by_normal.get(_normal(heading))
        if title:
            found[title] = body.strip()
    return found
