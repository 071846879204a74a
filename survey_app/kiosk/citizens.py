"""Citizens, known only by a pseudonym the municipality chooses; CPR numbers are refused."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from ..access import municipality_condition
from ..models import Citizen, Municipality

# ddmmyy-xxxx with or without the dash (also inside a longer text), e.g. 010190-1234.
CPR_LIKE = re.compile(r"(?<!\d)\d{6}[-\s]?\d{4}(?!\d)")
PSEUDONYM = re.compile(r"^[\w.\-: ]{1,80}$")


class CitizenError(ValueError):
    """A citizen cannot be registered as asked; the message (Danish) says why."""


def looks_like_cpr(text: str) -> bool:
    """Whether the text contains something shaped like a CPR number."""
    return bool(CPR_LIKE.search(text))


def register_citizen(
    session: Session, pseudonym: str, municipality: Municipality, user_id: int | None
) -> Citizen:
    """Register a citizen in a municipality under a pseudonym; refuse CPR-like input."""
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise CitizenError("Skriv et pseudonym, fx kommunens sagsnummer.")
    if looks_like_cpr(pseudonym):
        raise CitizenError(
            "Det ligner et CPR-nummer. Brug aldrig CPR-numre: skriv kommunens sagsnummer "
            "eller en anden nøgle, der ikke afslører borgeren."
        )
    if not PSEUDONYM.match(pseudonym):
        raise CitizenError(
            "Pseudonymet må kun have bogstaver, tal, mellemrum og . - : (højst 80 tegn)."
        )
    if session.exec(select(Citizen).where(Citizen.pseudonym == pseudonym)).first():
        raise CitizenError("Det pseudonym er allerede i brug. Vælg et andet.")
    citizen = Citizen(pseudonym=pseudonym, municipality_id=municipality.id, created_by=user_id)
    session.add(citizen)
    session.flush()
    return citizen


def visible_citizens(session: Session, user, search: str = "") -> list[tuple[Citizen, str]]:
    """The citizens of the municipalities the user may see, with municipality names."""
    query = (
        select(Citizen, Municipality.name)
        .join(Municipality, Municipality.id == Citizen.municipality_id)
        .where(municipality_condition(user, Citizen.municipality_id))
        .order_by(Citizen.pseudonym)
    )
    if search:
        query = query.where(Citizen.pseudonym.contains(search.strip()))
    return [(c, name) for c, name in session.exec(query).all()]


def find_visible_citizen(session: Session, user, pseudonym: str) -> Citizen | None:
    """The citizen with this pseudonym if the user may see their municipality, else None."""
    return session.exec(
        select(Citizen).where(
            Citizen.pseudonym == pseudonym,
            municipality_condition(user, Citizen.municipality_id),
        )
    ).first()
