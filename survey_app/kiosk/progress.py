"""A citizen's own progression, shown back after answering: a chart and plain sentences."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from analysis.definitions import definition_from_mapping
from analysis.plots import citizen_trajectory_figure
from analysis.progression import DOMAIN_PREFIX, Occasion, citizen_trajectory

from ..formatting import date_text
from ..models import Answer, Municipality, QuestionnaireVersion, Response
from ..registry import parse_stored_definition

SENTENCES = {
    "da": {
        "first": "Det er første gang, du svarer. Næste gang kan du se, om noget har ændret sig.",
        "higher": "Du svarer højere end sidst om „{domain}“.",
        "lower": "Du svarer lavere end sidst om „{domain}“.",
        "same": "Du svarer det samme som sidst om „{domain}“.",
        "occasion": "{number}. gang<br>{date}",
        "score": "Score (højere er bedre)",
    },
    "en": {
        "first": "This is the first time you answer. Next time you can see if anything changed.",
        "higher": "You answer higher than last time about “{domain}”.",
        "lower": "You answer lower than last time about “{domain}”.",
        "same": "You answer the same as last time about “{domain}”.",
        "occasion": "Time {number}<br>{date}",
        "score": "Score (higher is better)",
    },
}


@dataclass
class OwnProgress:
    """What the citizen sees: a sentence per domain and the chart (plotly JSON)."""

    sentences: list[str]
    figure: dict | None
    occasions: int


def direction(previous: float | None, latest: float | None) -> str | None:
    """'higher', 'lower' or 'same' between two scores; None if one is missing."""
    if previous is None or latest is None:
        return None
    if latest > previous:
        return "higher"
    if latest < previous:
        return "lower"
    return "same"


def own_progress(session: Session, pseudonym: str, key: str, language: str = "da") -> OwnProgress:
    """The citizen's domain scores on every occasion of questionnaire ``key`` so far."""
    rows = session.execute(
        select(
            Response.id,
            Response.submitted_at,
            Municipality.name,
            QuestionnaireVersion.definition,
            Answer.item_key,
            Answer.value,
        )
        .join(Answer, Answer.response_id == Response.id)
        .join(Municipality, Municipality.id == Response.municipality_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(Response.respondent_key == pseudonym, QuestionnaireVersion.key == key)
        .order_by(Response.submitted_at, Response.id)
    ).all()
    if not rows:
        return OwnProgress([], None, 0)
    occasions: dict[str, Occasion] = {}
    for response_id, at, place, _definition, item, value in rows:
        occasion = occasions.setdefault(
            response_id, Occasion(response_id, at.isoformat(), place, {})
        )
        occasion.values[item] = value
    definition = definition_from_mapping(json.loads(rows[-1][3]), key)
    labels = {d.key: d.label.get(language) for d in parse_stored_definition(rows[-1][3]).domains}
    trajectory = citizen_trajectory(list(occasions.values()), definition)
    texts = SENTENCES.get(language, SENTENCES["da"])
    sentences = []
    if len(trajectory) < 2:
        sentences.append(texts["first"])
    else:
        previous, latest = trajectory[-2], trajectory[-1]
        for domain in definition.domains:
            measure = DOMAIN_PREFIX + domain.key
            way = direction(previous.scores.get(measure), latest.scores.get(measure))
            if way:
                sentences.append(texts[way].format(domain=labels.get(domain.key, domain.label)))
    names = [labels.get(d.key, d.label) for d in definition.domains]
    figure = citizen_trajectory_figure(
        trajectory, definition, occasion_labels(trajectory, language), title=None
    )
    # The page's caption names the chart, so the figure carries no title of its own.
    figure["layout"]["margin"]["t"] = 30
    figure["layout"]["yaxis"]["title"] = {"text": texts["score"]}
    if definition.domains:
        for trace, name in zip(figure["data"], names, strict=False):
            trace["name"] = name
    return OwnProgress(sentences, figure, len(trajectory))


def occasion_labels(trajectory, language: str) -> list[str]:
    """The x-axis names of the occasions: '1. gang' and the Danish date, or in English."""
    texts = SENTENCES.get(language, SENTENCES["da"])
    return [
        texts["occasion"].format(number=o.number, date=date_text(_moment(o.answered_at), language))
        for o in trajectory
    ]


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
