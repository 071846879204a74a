"""Tablet sessions: start with a PIN, answer step by step, submit exactly once, pause, leave."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..answer_counts import store_answers
from ..answering.answers import decode, encode
from ..answering.responses import AnswerValue, answer_rows
from ..models import (
    Citizen,
    KioskSession,
    Municipality,
    QuestionnaireVersion,
    Response,
    Wave,
    utcnow,
)
from ..questionnaire_schema import Questionnaire
from ..registry import definition_of
from ..waves import as_utc

PIN = re.compile(r"^\d{4,8}$")
MAX_PIN_FAILURES = 5
_hasher = PasswordHasher()


# Why a tablet session could not start, by code: pages pass the code along, never the text.
START_ERRORS = {
    "pin_format": "PIN-koden skal være 4-8 cifre.",
    "pin_mismatch": "De to PIN-koder er ikke ens.",
    "anonymous": "Et anonymt spørgeskema kan ikke knyttes til en borger.",
    "named": "Dette spørgeskema er ikke anonymt: start det fra borgerens side.",
    "language": "Spørgeskemaet findes ikke på det valgte sprog.",
}


class KioskError(ValueError):
    """A tablet session cannot do what was asked; the message (Danish) says why and
    ``code`` names the reason (a key of START_ERRORS when a start was refused)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


def citizen_questionnaires(session: Session) -> list[QuestionnaireVersion]:
    """The newest version of every citizen questionnaire, repeated ones first."""
    rows = session.exec(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.audience == "citizen")
        .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version.desc())
    ).all()
    newest = {}
    for row in rows:
        newest.setdefault(row.key, row)
    return sorted(newest.values(), key=lambda v: (not v.repeated, v.key != "en-plan", v.key))


def start_session(
    session: Session,
    citizen: Citizen,
    version: QuestionnaireVersion,
    caseworker_id: int,
    pin: str,
    language: str = "da",
    one_per_screen: bool = True,
) -> KioskSession:
    """Open a tablet session for a citizen; the PIN (4-8 digits) is needed to leave it."""
    if version.anonymous:
        raise KioskError(START_ERRORS["anonymous"], "anonymous")
    return _new_session(session, version, caseworker_id, pin, language, one_per_screen,
                        citizen_id=citizen.id)  # fmt: skip


def start_anonymous_session(
    session: Session,
    municipality: Municipality,
    version: QuestionnaireVersion,
    caseworker_id: int,
    pin: str,
    language: str = "da",
    one_per_screen: bool = True,
) -> KioskSession:
    """Open a tablet session for an anonymous questionnaire: no citizen, only the municipality
    the answer counts for. The session row is deleted when the answers are sent."""
    if not version.anonymous:
        raise KioskError(START_ERRORS["named"], "named")
    return _new_session(session, version, caseworker_id, pin, language, one_per_screen,
                        municipality_id=municipality.id)  # fmt: skip


def _new_session(session, version, caseworker_id, pin, language, one_per_screen, **whose):
    if not PIN.match(pin or ""):
        raise KioskError(START_ERRORS["pin_format"], "pin_format")
    if language not in definition_of(version).languages():
        raise KioskError(START_ERRORS["language"], "language")
    kiosk = KioskSession(
        id=uuid.uuid4().hex,
        occasion_key=uuid.uuid4().hex,
        questionnaire_version_id=version.id,
        caseworker_id=caseworker_id,
        pin_hash=_hasher.hash(pin),
        language=language,
        one_per_screen=one_per_screen,
        **whose,
    )
    session.add(kiosk)
    session.flush()
    return kiosk


def choose_language(session: Session, kiosk: KioskSession, language: str) -> bool:
    """Switch the session to ``language`` if the questionnaire exists in it."""
    if language not in kiosk_definition(session, kiosk).languages():
        return False
    kiosk.language = language
    session.add(kiosk)
    return True


def check_pin(session: Session, kiosk: KioskSession, pin: str) -> bool:
    """Whether the PIN is right; wrong tries are counted and stop after five."""
    if kiosk.pin_failures >= MAX_PIN_FAILURES:
        return False
    try:
        _hasher.verify(kiosk.pin_hash, pin or "")
    except (VerificationError, InvalidHashError):
        kiosk.pin_failures += 1
        session.add(kiosk)
        return False
    kiosk.pin_failures = 0
    session.add(kiosk)
    return True


def draft(kiosk: KioskSession) -> dict[str, AnswerValue]:
    """The answers given so far in this session (codes, missing keys, texts and numbers)."""
    return decode(json.loads(kiosk.draft or "{}"))


def save_answers(
    session: Session,
    kiosk: KioskSession,
    answers: Mapping[str, AnswerValue],
    position: int,
    cleared: Iterable[str] = (),
) -> None:
    """Merge answers into the session and move to screen ``position``; the answers of the
    items in ``cleared`` (shown on the screen but left empty, e.g. an emptied text box) go."""
    if kiosk.status == "submitted":
        raise KioskError("Svarene er allerede sendt.")
    merged = {k: v for k, v in draft(kiosk).items() if k not in set(cleared)} | dict(answers)
    kiosk.draft = json.dumps(encode(merged))
    kiosk.position = max(0, position)
    kiosk.last_activity_at = utcnow()
    kiosk.status = "active"
    session.add(kiosk)


def is_idle(kiosk: KioskSession, idle: timedelta) -> bool:
    """Whether nobody has touched the session for longer than ``idle``."""
    return utcnow() - as_utc(kiosk.last_activity_at) > idle


def pause(session: Session, kiosk: KioskSession) -> None:
    """Keep the answers and wait for the caseworker to resume."""
    if kiosk.status != "submitted":
        kiosk.status = "paused"
        session.add(kiosk)


def submit(
    session: Session, kiosk: KioskSession, citizen: Citizen, definition: Questionnaire
) -> Response:
    """Store the session's answers as one response, exactly once per occasion.

    The occasion key is unique on responses, so a resend after a lost confirmation finds the
    first response instead of making a second one.
    """
    existing = session.exec(
        select(Response).where(Response.submission_key == kiosk.occasion_key)
    ).first()
    if existing is not None:
        return existing
    response = Response(
        id=str(uuid.uuid4()),
        questionnaire_version_id=kiosk.questionnaire_version_id,
        municipality_id=citizen.municipality_id,
        respondent_key=citizen.pseudonym,
        submitted_at=utcnow(),
        submission_key=kiosk.occasion_key,
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
            store_answers(session, response, answer_rows(definition, response.id, draft(kiosk)))
    except IntegrityError:
        # A simultaneous resend won the race; its response is the one.
        return session.exec(
            select(Response).where(Response.submission_key == kiosk.occasion_key)
        ).one()
    kiosk.status = "submitted"
    kiosk.response_id = response.id
    kiosk.last_activity_at = utcnow()
    session.add(kiosk)
    return response


def submit_anonymous(session: Session, kiosk_id: str, definition: Questionnaire) -> bool:
    """Store an anonymous session's answers as one response and delete the session, in one
    transaction; False (nothing stored) if the session is already gone, e.g. on a resend.

    The response keeps no pseudonym, no submission key and only the date (as anonymous link
    answers do); the deleted session row leaves no visible trace, so no stored row ties the
    answers to the tablet session, the caseworker who started it or the time of day. The
    delete comes first: of two simultaneous sends only the one that deleted the row stores.
    """
    kiosk = session.get(KioskSession, kiosk_id)
    if kiosk is None or kiosk.citizen_id is not None:
        return False
    answers = draft(kiosk)
    version_id, municipality_id = kiosk.questionnaire_version_id, kiosk.municipality_id
    session.expunge(kiosk)
    deleted = session.execute(delete(KioskSession).where(KioskSession.id == kiosk_id))
    if deleted.rowcount != 1:
        return False
    now = utcnow()
    response = Response(
        id=str(uuid.uuid4()),
        questionnaire_version_id=version_id,
        wave_id=open_wave_id(session, version_id, now),
        municipality_id=municipality_id,
        submitted_at=now.replace(hour=0, minute=0, second=0, microsecond=0),
    )
    session.add(response)
    session.flush()
    session.add_all(row.as_orm() for row in answer_rows(definition, response.id, answers))
    session.flush()
    return True


def open_wave_id(session: Session, version_id: int, now) -> int | None:
    """The (non-demo) wave of the version open at ``now``, the latest opened if several."""
    waves = session.exec(
        select(Wave)
        .where(Wave.questionnaire_version_id == version_id, Wave.is_demo.is_(False))
        .order_by(Wave.opens_at.desc())
    ).all()
    return next((w.id for w in waves if as_utc(w.opens_at) <= now < as_utc(w.closes_at)), None)


def kiosk_definition(session: Session, kiosk: KioskSession) -> Questionnaire:
    """The questionnaire version the session answers."""
    return definition_of(session.get(QuestionnaireVersion, kiosk.questionnaire_version_id))
