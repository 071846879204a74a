"""A citizen's own progression, shown back after answering: a chart and plain sentences."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from analysis.definitions import definition_from_mapping
from analysis.plots import citizen_trajectory_figure
from analysis.progression import DOMAIN_PREFIX, Occasion, citizen_trajectory

from ..models import Answer, Municipality, QuestionnaireVersion, Response
from ..registry import parse_stored_definition

SENTENCES = {
    "da": {
        "first": "Det er første gang, du svarer. Næste gang kan du se, om noget har ændret sig.",
        "higher": "Du svarer højere end sidst om „{domain}“.",
        "lower": "Du svarer lavere end sidst om „{domain}“.",
        "same": "Du svarer det samme som sidst om „{domain}“.",
    },
    "en": {
        "first": "This is the first time you answer. Next time you can see if anything changed.",
        "higher": "You answer higher than last time about “{domain}”.",
        "lower": "You answer lower than last time about “{domain}”.",
        "same": "You answer the same as last time about “{domain}”.",
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
    figure = citizen_trajectory_figure(trajectory, definition)
    if language == "en":
        _english_figure(figure, trajectory, labels, definition)
    return OwnProgress(sentences, json.loads(figure.to_json()), len(trajectory))


def _english_figure(figure, trajectory, labels, definition) -> None:
    x = [f"Time {o.number}<br>{o.answered_at[:10]}" for o in trajectory]
    names = [labels.get(d.key, d.label) for d in definition.domains]
    for trace, name in zip(figure.data, names, strict=False):
        trace.x = x
        trace.name = name
    figure.update_layout(
        title="Your answers over time",
        yaxis_title="Score (higher is better)",
    )
