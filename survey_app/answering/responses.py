"""Answering a questionnaire: parse and validate posted answers, save drafts, submit once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ..answer_counts import store_answers
from ..invitations import find_invitation_with_wave
from ..models import Answer, Invitation, QuestionnaireVersion, Response, Wave, utcnow
from ..questionnaire_schema import Questionnaire
from ..registry import definition_of
from .links import is_spent, keep_draft, link_seal, saved_draft, spend

FIELD_PREFIX = "item-"
UNANSWERED = "ubesvaret"

AnswerValue = int | str  # an option code, or a non-substantive key such as "ved_ikke"


class InvalidAnswer(ValueError):
    """A posted value is not an option of its item (a forged or broken form)."""


class AlreadyUsed(Exception):
    """The invitation has already been used to submit a response."""


def field_name(item_key: str) -> str:
    """The form field that carries an item's answer."""
    return FIELD_PREFIX + item_key


def parse_answers(definition: Questionnaire, form: Mapping[str, str]) -> dict[str, AnswerValue]:
    """The answers in a posted form, each checked against its item's scale.

    Raises InvalidAnswer for a value that is not an option of the item, for several values
    for one item and for answer fields naming no item of this version.
    """
    answers: dict[str, AnswerValue] = {}
    for name in form:
        if name.startswith(FIELD_PREFIX) and definition.item(name[len(FIELD_PREFIX) :]) is None:
            raise InvalidAnswer(f"'{name}' is not a question in this questionnaire")
    for item in definition.items:
        values = form.getlist(field_name(item.key)) if hasattr(form, "getlist") else None
        raw = form.get(field_name(item.key))
        if values is not None and len(values) > 1:
            raise InvalidAnswer(f"question '{item.key}' has more than one answer")
        if raw is None or raw == "":
            continue
        scale = definition.scale_for(item)
        if scale.non_substantive and raw == scale.non_substantive.key:
            answers[item.key] = raw
        elif raw.isascii() and raw.isdigit() and scale.option(int(raw)) is not None:
            answers[item.key] = int(raw)
        else:
            raise InvalidAnswer(f"'{raw[:40]}' is not an answer option of question '{item.key}'")
    return answers


def missing_required(definition: Questionnaire, answers: Mapping[str, AnswerValue]) -> list[str]:
    """The keys of required items without an answer, in questionnaire order."""
    return [item.key for item in definition.items if item.required and item.key not in answers]


@dataclass(frozen=True)
class AnsweringContext:
    """Everything a view needs about the link being answered."""

    invitation: Invitation
    wave: Wave
    version: QuestionnaireVersion
    definition: Questionnaire
    seal: str  # where the link's used-mark and draft are kept (links.py)


def find_context(
    session: Session, token: str, seal_key: str, found: tuple | None = None
) -> AnsweringContext | None:
    """The invitation, wave, questionnaire version and seal behind a token; None if unknown.
    ``found`` is what ``find_invitation_with_wave`` gave for the token in this session."""
    found = found or find_invitation_with_wave(session, token)
    if found is None:
        return None
    invitation, wave, version = found
    seal = link_seal(seal_key, invitation.token_hash)
    return AnsweringContext(invitation, wave, version, definition_of(version), seal)


def is_used(session: Session, ctx: AnsweringContext) -> bool:
    """Whether the link has been used to submit a response."""
    return is_spent(session, ctx.seal)


def draft_answers(session: Session, ctx: AnsweringContext) -> dict[str, AnswerValue]:
    """The answers saved part-way on the link (only those still valid for the version)."""
    stored = saved_draft(session, ctx.seal)
    if not stored:
        return {}
    form = {field_name(k): str(v) for k, v in stored.items()}
    try:
        return parse_answers(ctx.definition, form)
    except InvalidAnswer:
        return {}


def save_draft(session: Session, ctx: AnsweringContext, answers: Mapping[str, AnswerValue]):
    """Keep answers part-way on the link; refused once the link is used."""
    if is_spent(session, ctx.seal):
        raise AlreadyUsed()
    keep_draft(session, ctx.seal, ctx.invitation, dict(answers))


def submit_response(
    session: Session,
    ctx: AnsweringContext,
    answers: Mapping[str, AnswerValue],
    now: datetime | None = None,
    response_id: str | None = None,
) -> Response:
    """Store a complete response exactly once for this link.

    The link's used-mark is inserted in the same transaction as the response, and its primary
    key lets only one of two simultaneous submissions succeed: the database decides, not a
    prior check. Anonymous responses keep no link to the invitation and only the date of
    submission; nothing is written to the invitation row (see links.py).
    """
    invitation, definition = ctx.invitation, ctx.definition
    if not spend(session, ctx.seal, invitation):
        raise AlreadyUsed()
    now = now or utcnow()
    response = Response(
        id=response_id or str(uuid.uuid4()),
        questionnaire_version_id=ctx.version.id,
        wave_id=ctx.wave.id,
        municipality_id=invitation.municipality_id,
        invitation_id=None if definition.anonymous else invitation.id,
        respondent_key=None if definition.anonymous else invitation.respondent_key,
        submitted_at=now.replace(hour=0, minute=0, second=0, microsecond=0)
        if definition.anonymous
        else now,
        is_demo=invitation.is_demo,
    )
    session.add(response)
    session.flush()  # without a relationship() the answers' parent must be inserted first
    store_answers(session, response, answer_rows(definition, response.id, answers))
    return response


def answer_rows(
    definition: Questionnaire, response_id: str, answers: Mapping[str, AnswerValue]
) -> list[Answer]:
    """One Answer row per item: a code, the non-substantive key, or 'ubesvaret' if skipped."""
    rows = []
    for position, item in enumerate(definition.items, start=1):
        given = answers.get(item.key)
        rows.append(
            Answer(
                response_id=response_id,
                item_key=item.key,
                position=position,
                value=given if isinstance(given, int) else None,
                missing=None if isinstance(given, int) else (given or UNANSWERED),
            )
        )
    return rows
