"""Answering a questionnaire: parse and validate posted answers, apply routing, save drafts,
submit once. The link pages, the tablet and the demo data all store answers through here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from ..answer_counts import store_submission
from ..instruments.conditions import visible_item_keys
from ..models import NewAnswer, NewResponse, utcnow
from ..questionnaire_schema import Questionnaire
from ..registry import definition_of
from .answers import (
    AnswerValue,
    Forged,
    OpenText,
    Refusal,
    canonical_number,
    decode,
    encode,
    for_conditions,
    parse_value,
    value_problem,
)
from .links import (
    FoundLink,
    LinkInvitation,
    LinkVersion,
    LinkWave,
    find_link,
    is_spent,
    keep_draft,
    link_seal,
    spend,
)

FIELD_PREFIX = "item-"
UNANSWERED = "ubesvaret"
NOT_RELEVANT = "ikke_relevant"
SHOWN_FIELD = "shown"  # the items a page showed, so the server sees which ones are new


class InvalidAnswer(ValueError):
    """A posted value is not an option of its item (a forged or broken form)."""


class UnacceptableAnswers(InvalidAnswer):
    """Posted answers a person can correct (a text too long, a number out of range ...).

    ``problems`` maps item keys to Danish messages naming the question; ``answers`` holds the
    other, valid answers so the form can be shown again with them. Nothing is stored.
    """

    def __init__(self, problems: dict[str, str], answers: dict[str, AnswerValue]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems
        self.answers = answers


class AlreadyUsed(Exception):
    """The invitation has already been used to submit a response (raised before anything
    of the refused submission or draft is written)."""


def field_name(item_key: str) -> str:
    """The form field that carries an item's answer."""
    return FIELD_PREFIX + item_key


def parse_answers(
    definition: Questionnaire,
    form: Mapping[str, str],
    earlier: Mapping[str, AnswerValue] | None = None,
) -> dict[str, AnswerValue]:
    """The answers in a posted form, each checked against its item, routing applied.

    ``earlier`` holds answers given on earlier screens (the tablet shows one question at a
    time): routing is decided on them together with the form's answers.

    Raises InvalidAnswer for a value that is not an option of the item, for several values
    for one item and for answer fields naming no item of this version; UnacceptableAnswers
    (naming each question) for text and numbers a person can correct. Answers to items that
    the other answers hide are discarded, and so are their problems.
    """
    answers: dict[str, AnswerValue] = {}
    problems: dict[str, str] = {}
    for name in form:
        if name.startswith(FIELD_PREFIX) and definition.item(name[len(FIELD_PREFIX) :]) is None:
            raise InvalidAnswer(f"'{name}' is not a question in this questionnaire")
    for item in definition.items:
        values = form.getlist(field_name(item.key)) if hasattr(form, "getlist") else None
        raw = form.get(field_name(item.key))
        if values is not None and len(values) > 1:
            raise InvalidAnswer(f"question '{item.key}' has more than one answer")
        if raw is None:
            continue
        try:
            value = parse_value(definition, item, raw)
        except Forged as exc:
            raise InvalidAnswer(str(exc)) from exc
        except Refusal as exc:
            problems[item.key] = str(exc)
            continue
        if value is not None:
            answers[item.key] = value
    shown = set(visible_items(definition, {**(earlier or {}), **answers}))
    answers = {key: value for key, value in answers.items() if key in shown}
    problems = {key: message for key, message in problems.items() if key in shown}
    if problems:
        raise UnacceptableAnswers(problems, answers)
    return answers


def visible_items(definition: Questionnaire, answers: Mapping[str, AnswerValue]) -> list[str]:
    """The keys of the items asked, given these answers (``show_if`` decided front to back)."""
    return visible_item_keys(definition, for_conditions(dict(answers)))


def shown_answers(
    definition: Questionnaire, answers: Mapping[str, AnswerValue]
) -> dict[str, AnswerValue]:
    """The answers without those to items the other answers hide (those are discarded)."""
    shown = set(visible_items(definition, answers))
    return {key: value for key, value in answers.items() if key in shown}


def posted_shown_items(definition: Questionnaire, form: Mapping[str, str]) -> list[str] | None:
    """The items the posted page showed (its ``shown`` field); None if the form has none."""
    raw = form.get(SHOWN_FIELD)
    if raw is None:
        return None
    keys = {item.key for item in definition.items}
    return [key for key in raw.split(",") if key in keys]


def newly_shown(
    definition: Questionnaire, answers: Mapping[str, AnswerValue], shown_before: list[str] | None
) -> list[str]:
    """Items the answers show that the page did not: the person must see them before sending."""
    if shown_before is None:
        return []
    return [key for key in visible_items(definition, answers) if key not in shown_before]


def missing_required(definition: Questionnaire, answers: Mapping[str, AnswerValue]) -> list[str]:
    """The keys of required items shown but without an answer, in questionnaire order
    (a hidden item is never required)."""
    shown = visible_items(definition, answers)
    return [
        item.key
        for item in definition.items
        if item.required and item.key in shown and item.key not in answers
    ]


def valid_answers(definition: Questionnaire, answers: Mapping[str, Any]) -> dict[str, AnswerValue]:
    """The answers (e.g. from a draft) that are still valid for this version, routing applied;
    any other is left out."""
    kept = {}
    for key, value in answers.items():
        item = definition.item(key)
        if item is not None and value_problem(definition, item, value) is None:
            kept[key] = value
    return shown_answers(definition, kept)


@dataclass(frozen=True)
class AnsweringContext:
    """Everything a view needs about the link being answered."""

    invitation: LinkInvitation
    wave: LinkWave
    version: LinkVersion
    definition: Questionnaire
    seal: str  # where the link's used-mark and draft are kept (links.py)
    spent: bool  # used when looked up; submitting still lets the database decide (spend)
    draft: str | None  # the answers saved part-way when looked up (JSON)


def find_context(
    session: Session, token: str, seal_key: str, found: FoundLink | None = None
) -> AnsweringContext | None:
    """The invitation, wave, questionnaire version, seal and state behind a token; None if
    unknown. ``found`` is what ``find_link`` gave for the token in this transaction."""
    found = found or find_link(session, token, seal_key)
    if found is None:
        return None
    invitation, version = found.invitation, found.version
    seal = link_seal(seal_key, invitation.token_hash)
    return AnsweringContext(
        invitation, found.wave, version, definition_of(version), seal, found.spent, found.draft
    )


def is_used(ctx: AnsweringContext) -> bool:
    """Whether the link had been used to submit a response when it was looked up."""
    return ctx.spent


def draft_answers(ctx: AnsweringContext) -> dict[str, AnswerValue]:
    """The answers saved part-way on the link (only those still valid for the version)."""
    return valid_answers(ctx.definition, decode(json.loads(ctx.draft) if ctx.draft else None))


def save_draft(session: Session, ctx: AnsweringContext, answers: Mapping[str, AnswerValue]):
    """Keep answers part-way on the link; refused once the link is used."""
    if is_spent(session, ctx.seal):
        raise AlreadyUsed()
    keep_draft(session, ctx.seal, ctx.invitation, encode(dict(answers)))


def submit_response(
    session: Session,
    ctx: AnsweringContext,
    answers: Mapping[str, AnswerValue],
    now: datetime | None = None,
    response_id: str | None = None,
) -> NewResponse:
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
    response = NewResponse(
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
    store_submission(session, response, answer_rows(definition, response.id, answers))
    return response


def answer_rows(
    definition: Questionnaire, response_id: str, answers: Mapping[str, AnswerValue]
) -> list[NewAnswer]:
    """One answer row per item: a code (``value``), a text or number (``text_value``), or a
    missing code: the non-substantive key, ``ikke_relevant`` if routing hid the item (its
    answer, if any, is discarded) or ``ubesvaret`` if it was shown and skipped."""
    shown = set(visible_items(definition, answers))
    rows = []
    for position, item in enumerate(definition.items, start=1):
        given = answers.get(item.key) if item.key in shown else None
        if item.key not in shown:
            kind = {"missing": NOT_RELEVANT}
        elif isinstance(given, OpenText):
            kind = {"text_value": given.text}
        elif isinstance(given, Decimal):
            kind = {"text_value": canonical_number(given)}
        elif isinstance(given, int) and not isinstance(given, bool):
            kind = {"value": given}
        else:
            kind = {"missing": given or UNANSWERED}
        rows.append(NewAnswer(response_id, item.key, position, **kind))
    return rows
