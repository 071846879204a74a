"""The "Åbne svar" page's content: the answers to text and number items of one wave.

Only evaluators and admins see it (``access.OPEN_ANSWER_ROLES``), identifying items included.
Suppression: a municipality with fewer respondents in the wave than the suppression threshold
has its answers hidden ("skjult"), because a few free texts from a small group can point to a
person; its answers stay in the row-level exports, which evaluators receive under their data
agreement. The page never shows who answered or when, only the item, the municipality and
the answer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlmodel import Session

from ..access import municipality_condition
from ..models import Answer, Municipality, Response, Wave
from ..questionnaire_schema import Item, Questionnaire

PAGE_SIZE = 50


@dataclass(frozen=True)
class OpenAnswer:
    """One answer as the page lists it."""

    item: Item
    municipality: str
    text: str


@dataclass(frozen=True)
class OpenAnswerPage:
    """One page of a wave's open answers, the groups hidden for being small, and the pages."""

    items: list[Item]
    answers: list[OpenAnswer]
    hidden: list[str]
    shown: list[str]
    total: int
    page: int
    pages: int

    def sections(self) -> list[tuple[Item, list[OpenAnswer]]]:
        """This page's answers per item, in questionnaire order."""
        grouped = itertools.groupby(self.answers, key=lambda answer: answer.item.key)
        return [(answers[0].item, answers) for _, group in grouped if (answers := list(group))]


def open_items(definition: Questionnaire) -> list[Item]:
    """The text and number items of a questionnaire version, in questionnaire order."""
    return [item for item in definition.items if item.is_open]


def group_sizes(session: Session, user, wave: Wave) -> dict[str, int]:
    """Respondents per municipality (that ``user`` may see) in ``wave``, by name."""
    query = (
        select(Municipality.name, func.count(distinct(Response.id)))
        .join(Response, Response.municipality_id == Municipality.id)
        .where(Response.wave_id == wave.id, municipality_condition(user, Municipality.id))
        .group_by(Municipality.name)
    )
    return dict(session.execute(query).all())


def open_answer_page(
    session: Session,
    user,
    wave: Wave,
    definition: Questionnaire,
    threshold: int,
    page: int = 1,
    municipality: str | None = None,
) -> OpenAnswerPage:
    """Page ``page`` (``PAGE_SIZE`` answers) of the open answers of ``wave`` from the
    municipalities with at least ``threshold`` respondents (optionally one of them), by item,
    municipality and time of answering."""
    items = open_items(definition)
    sizes = group_sizes(session, user, wave)
    if municipality is not None:
        sizes = {name: n for name, n in sizes.items() if name == municipality}
    shown = sorted(name for name, n in sizes.items() if n >= threshold)
    hidden = sorted(name for name, n in sizes.items() if 0 < n < threshold)
    if not items or not shown:
        return OpenAnswerPage(items, [], hidden, shown, 0, 1, 1)
    by_key = {item.key: item for item in items}
    query = (
        select(Answer.item_key, Municipality.name, Answer.text_value)
        .join(Response, Response.id == Answer.response_id)
        .join(Municipality, Municipality.id == Response.municipality_id)
        .where(
            Response.wave_id == wave.id,
            Answer.text_value.is_not(None),
            Answer.item_key.in_(sorted(by_key)),
            Municipality.name.in_(shown),
        )
    )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.execute(
        query.order_by(Answer.position, Municipality.name, Response.submitted_at, Response.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    answers = [OpenAnswer(by_key[key], place, text) for key, place, text in rows]
    return OpenAnswerPage(items, answers, hidden, shown, total, page, pages)
