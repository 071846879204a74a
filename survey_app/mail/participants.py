"""Participant lists: e-mail addresses per wave and municipality, each with one invitation."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session

from ..invitations import takes_invitations
from ..models import (
    Invitation,
    MailDelivery,
    Municipality,
    Participant,
    QuestionnaireVersion,
    Wave,
    utcnow,
)
from ..waves import as_utc
from .links import new_nonce, participant_token_hash

MAX_PARTICIPANTS_PER_UPLOAD = 5000
# A practical address check: something@domain.tld, no spaces, no quotes, no angle brackets.
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
HEADER_NAMES = {
    "email": {"email", "e-mail", "mail", "adresse", "e-mailadresse", "emailadresse"},
    "name": {"name", "navn"},
    "department": {"department", "role", "rolle", "afdeling", "funktion"},
}


class ParticipantError(ValueError):
    """An upload is refused as a whole; ``problems`` names each bad line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ParticipantRow:
    """One address read from an upload, with its line number in the file."""

    line: int
    email: str
    name: str | None
    department: str | None


def _columns(first_row: list[str]) -> dict[str, int] | None:
    """The column of each known header name, or None if the first row is not a header."""
    found = {}
    for index, cell in enumerate(first_row):
        for field, names in HEADER_NAMES.items():
            if cell.strip().lower() in names:
                found[field] = index
    return found if "email" in found else None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = "Filen er ikke UTF-8. Gem den som »CSV UTF-8« og prøv igen."
        raise ParticipantError([message]) from exc


def _cell(row: list[str], columns: dict[str, int], field: str) -> str | None:
    index = columns.get(field)
    value = row[index].strip() if index is not None and index < len(row) else ""
    return value or None


def parse_participants(data: bytes) -> list[ParticipantRow]:
    """Read addresses (and optional name and department) from a CSV file separated by comma or
    semicolon, with or without a header row; refuse the whole file if any line is bad."""
    text = _decode(data)
    if not text.strip():
        raise ParticipantError(["Filen er tom."])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    columns = _columns(rows[0]) if rows else None
    start = 1 if columns else 0
    columns = columns or {"email": 0, "name": 1, "department": 2}
    problems, parsed, seen = [], [], {}
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        email = _cell(row, columns, "email") or ""
        if not EMAIL_PATTERN.fullmatch(email) or len(email) > 254:
            problems.append(f"linje {number}: »{email[:80]}« er ikke en gyldig e-mailadresse")
            continue
        key = email.lower()
        if key in seen:
            problems.append(f"linje {number}: {email} står også på linje {seen[key]}")
            continue
        seen[key] = number
        name, department = _cell(row, columns, "name"), _cell(row, columns, "department")
        if (name and len(name) > 200) or (department and len(department) > 200):
            problems.append(f"linje {number}: navn eller afdeling er længere end 200 tegn")
            continue
        parsed.append(ParticipantRow(number, key, name, department))
    if not parsed and not problems:
        problems.append("Filen indeholder ingen adresser.")
    if len(parsed) > MAX_PARTICIPANTS_PER_UPLOAD:
        problems.append(f"Højst {MAX_PARTICIPANTS_PER_UPLOAD} adresser ad gangen.")
    if problems:
        raise ParticipantError(problems)
    return parsed


def add_participants(
    session: Session,
    wave: Wave,
    municipality: Municipality,
    rows: list[ParticipantRow],
    link_key: str,
) -> list[Participant]:
    """Put the addresses on the wave's list, each with its own invitation; refuse all of them
    (nothing added) if the wave has closed, its questionnaire is not anonymous, or an address is
    already on the wave's list."""
    version = session.get(QuestionnaireVersion, wave.questionnaire_version_id)
    if not version.anonymous:
        # Its responses keep their invitation: an address would put a name to the answers.
        named = f"»{version.title}« er ikke anonymt; der kan ikke sendes invitationer pr. e-mail."
        raise ParticipantError([named])
    if not takes_invitations(wave):
        closed = f"Runden »{wave.title}« er lukket; der kan ikke tilføjes deltagere."
        raise ParticipantError([closed])
    emails = [row.email for row in rows]
    existing = set(
        session.execute(
            select(Participant.email).where(
                Participant.wave_id == wave.id, Participant.email.in_(emails)
            )
        ).scalars()
    )
    problems = [
        f"linje {row.line}: {row.email} står allerede på listen for runden"
        for row in rows
        if row.email in existing
    ]
    if problems:
        raise ParticipantError(problems)
    added = []
    for row in rows:
        nonce = new_nonce()
        invitation = Invitation(
            token_hash=participant_token_hash(link_key, nonce),
            wave_id=wave.id,
            municipality_id=municipality.id,
            is_demo=wave.is_demo,
        )
        session.add(invitation)
        session.flush()
        participant = Participant(
            wave_id=wave.id,
            municipality_id=municipality.id,
            email=row.email,
            name=row.name,
            department=row.department,
            invitation_id=invitation.id,
            link_nonce=nonce,
        )
        session.add(participant)
        added.append(participant)
    session.flush()
    return added


def participants_of(
    session: Session, wave_id: int, municipality_ids: list[int] | None = None
) -> list[tuple[Participant, str]]:
    """The wave's participants with their municipality's name (restricted to ``municipality_ids``
    when given), by municipality and address."""
    query = (
        select(Participant, Municipality.name)
        .join(Municipality, Municipality.id == Participant.municipality_id)
        .where(Participant.wave_id == wave_id)
        .order_by(Municipality.name, Participant.email)
    )
    if municipality_ids is not None:
        query = query.where(Participant.municipality_id.in_(municipality_ids))
    return [(p, name) for p, name in session.execute(query)]


def purge_participants(session: Session, wave_id: int) -> int:
    """Delete the wave's participant list (addresses, names, delivery records); the invitations
    and the mailings' counts stay, so the response rate is still known. Returns how many."""
    ids = select(Participant.id).where(Participant.wave_id == wave_id)
    count = session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    session.execute(delete(MailDelivery).where(MailDelivery.participant_id.in_(ids)))
    session.execute(delete(Participant).where(Participant.wave_id == wave_id))
    return count


def expired_waves(session: Session, days: int, now: datetime | None = None) -> list[Wave]:
    """Waves that closed more than ``days`` days ago and still have a participant list."""
    now = now or utcnow()
    query = select(Wave).where(Wave.id.in_(select(Participant.wave_id).distinct()))
    return [
        wave
        for wave in session.execute(query).scalars()
        if as_utc(wave.closes_at) + timedelta(days=days) <= now
    ]
