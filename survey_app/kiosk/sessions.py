"""Tablet sessions: start with a PIN, answer step by step, submit exactly once, pause, leave."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..answer_counts import store_answers
from ..answering.responses import AnswerValue, answer_rows
from ..models import Citizen, KioskSession, QuestionnaireVersion, Response, utcnow
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
    if not PIN.match(pin or ""):
        raise KioskError(START_ERRORS["pin_format"], "pin_format")
    if version.anonymous:
        raise KioskError(START_ERRORS["anonymous"], "anonymous")
    kiosk = KioskSession(
        id=uuid.uuid4().hex,
        occasion_key=uuid.uuid4().hex,
        citizen_id=citizen.id,
        questionnaire_version_id=version.id,
        caseworker_id=caseworker_id,
        pin_hash=_hasher.hash(pin),
        language=language if language in ("da", "en") else "da",
        one_per_screen=one_per_screen,
    )
    session.add(kiosk)
    session.flush()
    return kiosk


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
    """The answers given so far in this session."""
    return json.loads(kiosk.draft or "{}")


def save_answers(
    session: Session,
    kiosk: KioskSession,
    answers: Mapping[str, AnswerValue],
    position: int,
) -> None:
    """Merge answers into the session and move to screen ``position``."""
    if kiosk.status == "submitted":
        raise KioskError("Svarene er allerede sendt.")
    merged = {**draft(kiosk), **answers}
    kiosk.draft = json.dumps(merged)
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


def kiosk_definition(session: Session, kiosk: KioskSession) -> Questionnaire:
    """The questionnaire version the session answers."""
    return definition_of(session.get(QuestionnaireVersion, kiosk.questionnaire_version_id))
