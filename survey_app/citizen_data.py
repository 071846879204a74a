"""A citizen's privacy rights: everything stored about one pseudonym, exported or erased.

The pseudonym is the export's ``respondent_key``. What belongs to it: the citizen's
registration, every response with that respondent key (and its answers), the citizen's tablet
sessions, and invitations issued to that respondent key (with any draft answers). Secrets are
never exported: no PIN hashes, session ids, occasion keys or invitation token hashes.
Both duties leave an audit event; the erasure's event says what was erased in counts only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from .answer_counts import forget_answers
from .answering.links import forget_links, is_spent, link_seal
from .audit import record
from .models import (
    Answer,
    Citizen,
    Invitation,
    KioskSession,
    LinkDraft,
    Municipality,
    QuestionnaireVersion,
    Response,
    Wave,
    utcnow,
)
from .questionnaire_schema import MISSING_CODES, Questionnaire
from .registry import definition_of
from .waves import as_utc

EXPORT_ACTION = "citizen_export"
ERASE_ACTION = "citizen_erase"
_RESPONSE_VERSION = Response.questionnaire_version_id == QuestionnaireVersion.id


class CitizenNotFound(LookupError):
    """Nothing is stored under this pseudonym: no registration, response or invitation."""

    def __init__(self, key: str):
        super().__init__(f"nothing is stored about a citizen with pseudonym '{key}'")
        self.key = key


@dataclass(frozen=True)
class VersionCount:
    """How many responses (and answers) of one questionnaire version."""

    questionnaire: str
    version: int
    responses: int
    answers: int


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure removed (or would remove), in counts only."""

    pseudonym: str
    municipality: str | None
    per_version: list[VersionCount] = field(default_factory=list)
    tablet_sessions: int = 0
    invitations: int = 0
    citizen_registration: bool = False

    @property
    def responses(self) -> int:
        """All responses, over every questionnaire version."""
        return sum(v.responses for v in self.per_version)

    @property
    def answers(self) -> int:
        """All answer rows, over every questionnaire version."""
        return sum(v.answers for v in self.per_version)

    def describe(self) -> str:
        """Counts in words, e.g. ``4 responses (48 answers) of en-plan v1, 1 tablet session``."""
        parts = [
            f"{_plural(v.responses, 'response')} ({_plural(v.answers, 'answer')}) "
            f"of {v.questionnaire} v{v.version}"
            for v in self.per_version
        ] or ["no responses"]
        if self.tablet_sessions:
            parts.append(_plural(self.tablet_sessions, "tablet session"))
        if self.invitations:
            parts.append(_plural(self.invitations, "invitation"))
        if self.citizen_registration:
            parts.append("citizen registration")
        return ", ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _find_citizen(session: Session, key: str) -> tuple[Citizen, str] | None:
    row = session.execute(
        select(Citizen, Municipality.name)
        .join(Municipality, Citizen.municipality_id == Municipality.id)
        .where(Citizen.pseudonym == key)
    ).first()
    return None if row is None else (row[0], row[1])


def _labelled(
    definition: Questionnaire,
    item_key: str,
    value: Any,
    missing: str | None,
    text_value: str | None = None,
):
    """One answer with its Danish item text and label (tolerant of unknown items and codes);
    an open item's answer (text or number) is the value and has no label."""
    item = definition.item(item_key)
    text = label = None
    if text_value is not None:
        value = text_value
    if item is not None:
        text = item.text.da
    if item is not None and not item.is_open:
        scale = definition.scale_for(item)
        if value is not None:
            option = scale.option(value) if isinstance(value, int) else None
            label = option.label.da if option else None
        elif scale.non_substantive and missing == scale.non_substantive.key:
            label = scale.non_substantive.label.da
    return {"item": item_key, "text": text, "value": value, "label": label, "missing": missing}


def _draft_answers(definition: Questionnaire, draft: str | None) -> list[dict[str, Any]]:
    """A stored draft (JSON: item key -> option code or missing code) as labelled answers."""
    try:
        stored = json.loads(draft) if draft else {}
    except ValueError:
        return []
    if not isinstance(stored, dict):
        return []
    answers = []
    for item_key, raw in stored.items():
        item = definition.item(item_key)
        if item is not None and item.is_open and raw not in MISSING_CODES:
            answers.append(_labelled(definition, item_key, None, None, str(raw)))
        elif isinstance(raw, int) and not isinstance(raw, bool):
            answers.append(_labelled(definition, item_key, raw, None))
        elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
            answers.append(_labelled(definition, item_key, int(raw), None))
        else:
            answers.append(_labelled(definition, item_key, None, str(raw)))
    return answers


def _questionnaire(version: QuestionnaireVersion) -> dict[str, Any]:
    return {"key": version.key, "version": version.version, "title": version.title}


def citizen_record(session: Session, key: str, seal_key: str) -> dict[str, Any]:
    """Everything stored about the citizen with pseudonym ``key``, as JSON-ready data.

    Raises CitizenNotFound when there is no registration, response or invitation for ``key``.
    Never contains PIN hashes, tablet session ids, occasion keys or invitation token hashes.
    """
    found = _find_citizen(session, key)
    citizen = None
    if found is not None:
        row, municipality = found
        citizen = {
            "pseudonym": row.pseudonym,
            "municipality": municipality,
            "created_at": _iso(row.created_at),
        }

    response_rows = session.execute(
        select(Response, QuestionnaireVersion, Wave, Municipality.name)
        .join(QuestionnaireVersion, _RESPONSE_VERSION)
        .join(Municipality, Response.municipality_id == Municipality.id)
        .outerjoin(Wave, Response.wave_id == Wave.id)
        .where(Response.respondent_key == key)
        .order_by(Response.submitted_at, Response.id)
    ).all()
    answers_by_response: dict[str, list[Answer]] = {}
    if response_rows:
        ids = [r[0].id for r in response_rows]
        for answer in session.execute(
            select(Answer).where(Answer.response_id.in_(ids)).order_by(Answer.position)
        ).scalars():
            answers_by_response.setdefault(answer.response_id, []).append(answer)
    responses = []
    for response, version, wave, municipality in response_rows:
        definition = definition_of(version)
        responses.append(
            {
                "id": response.id,
                "questionnaire": _questionnaire(version),
                "wave": None if wave is None else {"key": wave.key, "title": wave.title},
                "municipality": municipality,
                "submitted_at": _iso(response.submitted_at),
                "answers": [
                    _labelled(definition, a.item_key, a.value, a.missing, a.text_value)
                    for a in answers_by_response.get(response.id, [])
                ],
            }
        )

    sessions = []
    if found is not None:
        for kiosk, version in session.execute(
            select(KioskSession, QuestionnaireVersion)
            .join(
                QuestionnaireVersion,
                KioskSession.questionnaire_version_id == QuestionnaireVersion.id,
            )
            .where(KioskSession.citizen_id == found[0].id)
            .order_by(KioskSession.created_at)
        ):
            sessions.append(
                {
                    "status": kiosk.status,
                    "created_at": _iso(kiosk.created_at),
                    "last_activity_at": _iso(kiosk.last_activity_at),
                    "questionnaire": _questionnaire(version),
                    "language": kiosk.language,
                    "response_id": kiosk.response_id,
                    "draft_answers": _draft_answers(definition_of(version), kiosk.draft),
                }
            )

    invitations = []
    for invitation, wave, version, municipality in session.execute(
        select(Invitation, Wave, QuestionnaireVersion, Municipality.name)
        .join(Wave, Invitation.wave_id == Wave.id)
        .join(QuestionnaireVersion, Wave.questionnaire_version_id == QuestionnaireVersion.id)
        .join(Municipality, Invitation.municipality_id == Municipality.id)
        .where(Invitation.respondent_key == key)
        .order_by(Invitation.created_at, Invitation.id)
    ):
        seal = link_seal(seal_key, invitation.token_hash)
        draft = session.get(LinkDraft, seal)
        invitations.append(
            {
                "questionnaire": _questionnaire(version),
                "wave": {"key": wave.key, "title": wave.title},
                "municipality": municipality,
                "created_at": _iso(invitation.created_at),
                "used": is_spent(session, seal),
                "draft_saved_at": _iso(draft.saved_at) if draft else None,
                "draft_answers": _draft_answers(definition_of(version), draft and draft.answers),
            }
        )

    if citizen is None and not responses and not invitations:
        raise CitizenNotFound(key)
    return {
        "pseudonym": key,
        "exported_at": _iso(utcnow()),
        "citizen": citizen,
        "responses": responses,
        "tablet_sessions": sessions,
        "invitations": invitations,
    }


def _record_municipality(record_data: dict[str, Any]) -> str | None:
    if record_data["citizen"]:
        return record_data["citizen"]["municipality"]
    places = {r["municipality"] for r in record_data["responses"]}
    places |= {i["municipality"] for i in record_data["invitations"]}
    return places.pop() if len(places) == 1 else None


def audit_export(
    session: Session, record_data: dict[str, Any], *, actor: str, user_id: int | None = None
) -> None:
    """Add the audit event for handing ``record_data`` (from citizen_record) to someone."""
    record(
        session,
        EXPORT_ACTION,
        actor=actor,
        user_id=user_id,
        target=record_data["pseudonym"],
        municipality=_record_municipality(record_data),
    )


def erasure_preview(session: Session, key: str) -> ErasureSummary:
    """What erase_citizen would remove for ``key``, changing nothing.

    Raises CitizenNotFound when nothing is stored under ``key``.
    """
    found = _find_citizen(session, key)
    per_version = [
        VersionCount(questionnaire, version, responses, answers)
        for questionnaire, version, responses, answers in session.execute(
            select(
                QuestionnaireVersion.key,
                QuestionnaireVersion.version,
                func.count(func.distinct(Response.id)),
                func.count(Answer.item_key),
            )
            .select_from(Response)
            .join(
                QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id
            )
            .outerjoin(Answer, Answer.response_id == Response.id)
            .where(Response.respondent_key == key)
            .group_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
            .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
        )
    ]
    invitations = session.execute(
        select(func.count()).select_from(Invitation).where(Invitation.respondent_key == key)
    ).scalar_one()
    tablet_sessions = 0
    if found is not None:
        tablet_sessions = session.execute(
            select(func.count())
            .select_from(KioskSession)
            .where(KioskSession.citizen_id == found[0].id)
        ).scalar_one()
    if found is None and not per_version and not invitations:
        raise CitizenNotFound(key)
    if found is not None:
        municipality = found[1]
    else:
        places = set(
            session.execute(
                select(Municipality.name)
                .join(Response, Response.municipality_id == Municipality.id)
                .where(Response.respondent_key == key)
                .union(
                    select(Municipality.name)
                    .join(Invitation, Invitation.municipality_id == Municipality.id)
                    .where(Invitation.respondent_key == key)
                )
            ).scalars()
        )
        municipality = next(iter(places)) if len(places) == 1 else None
    return ErasureSummary(
        pseudonym=key,
        municipality=municipality,
        per_version=per_version,
        tablet_sessions=tablet_sessions,
        invitations=invitations,
        citizen_registration=found is not None,
    )


def erase_citizen(
    session: Session,
    key: str,
    *,
    seal_key: str,
    actor: str = "cli",
    user_id: int | None = None,
) -> ErasureSummary:
    """Delete everything stored under pseudonym ``key`` and add an audit event saying so.

    Removes the answers (explicitly, not relying on the foreign key's cascade), the responses,
    the citizen's tablet sessions, invitations issued to ``key`` and the registration, all in
    the caller's transaction: the caller commits (or rolls back, and nothing changed). The audit
    event's target is ``"<pseudonym>: erased <counts>"``; it never holds answers or labels.
    Raises CitizenNotFound, changing nothing, when nothing is stored under ``key``.
    """
    summary = erasure_preview(session, key)
    found = _find_citizen(session, key)
    response_ids = select(Response.id).where(Response.respondent_key == key)
    forget_answers(session, Response.respondent_key == key)
    session.execute(
        delete(Answer).where(Answer.response_id.in_(response_ids)),
        execution_options={"synchronize_session": False},
    )
    if found is not None:
        session.execute(
            delete(KioskSession).where(KioskSession.citizen_id == found[0].id),
            execution_options={"synchronize_session": False},
        )
    session.execute(
        delete(Response).where(Response.respondent_key == key),
        execution_options={"synchronize_session": False},
    )
    invitations = session.scalars(select(Invitation).where(Invitation.respondent_key == key)).all()
    forget_links(session, seal_key, list(invitations))
    session.execute(
        delete(Invitation).where(Invitation.respondent_key == key),
        execution_options={"synchronize_session": False},
    )
    if found is not None:
        session.execute(
            delete(Citizen).where(Citizen.id == found[0].id),
            execution_options={"synchronize_session": False},
        )
        session.expunge(found[0])
    record(
        session,
        ERASE_ACTION,
        actor=actor,
        user_id=user_id,
        target=f"{key}: erased {summary.describe()}",
        municipality=summary.municipality,
    )
    session.flush()
    return summary
