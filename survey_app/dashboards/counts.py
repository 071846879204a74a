"""SQL aggregation for the dashboards: counts handed to ``analysis``, never answer rows."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from fractions import Fraction

from sqlalchemy import case, func, select
from sqlmodel import Session

from analysis.counts import ALL_GROUP, CountTable
from analysis.definitions import QuestionnaireDef, definition_from_mapping, merge_versions
from analysis.progression import DOMAIN_PREFIX, ProgressionCounts, add_citizen
from analysis.reading import MISSING_CODES

from ..access import municipality_condition
from ..models import Answer, AnswerCount, Municipality, QuestionnaireVersion, Response, Wave


def stored_definitions(session: Session, key: str) -> dict[int, QuestionnaireDef]:
    """Every stored version of a questionnaire as ``analysis`` reads it, by version."""
    stored = session.execute(
        select(QuestionnaireVersion.version, QuestionnaireVersion.definition).where(
            QuestionnaireVersion.key == key
        )
    ).all()
    return {v: definition_from_mapping(json.loads(d), f"{key} v{v}") for v, d in stored}


def analysis_definition(session: Session, key: str, versions: set[int] | None = None):
    """The questionnaire as ``analysis`` reads it, merged over ``versions`` (default: all)."""
    definitions = stored_definitions(session, key)
    if not definitions:
        return None
    return merge_versions(definitions, versions or set(definitions))


def impossible_answers(session: Session, key: str, versions: set[int]) -> dict[str, set[str]]:
    """Per item the missing codes no respondent could give in any of ``versions``:
    ``ubesvaret`` where the item is required, ``ved_ikke`` where its scale has no such
    option, ``ikke_relevant`` where it is always asked (no ``show_if``)."""
    stored = session.execute(
        select(QuestionnaireVersion.definition).where(
            QuestionnaireVersion.key == key, QuestionnaireVersion.version.in_(versions)
        )
    ).scalars()
    possible: dict[str, set[str]] = defaultdict(set)
    for text in stored:
        definition = json.loads(text)
        with_ved_ikke = {s["key"] for s in definition["scales"] if s.get("non_substantive")}
        for item in definition["items"]:
            codes = possible[item["key"]]
            codes |= {"ved_ikke"} if item.get("scale") in with_ved_ikke else set()
            codes |= set() if item.get("required", True) else {"ubesvaret"}
            codes |= {"ikke_relevant"} if item.get("show_if") else set()
    return {item: set(MISSING_CODES) - codes for item, codes in possible.items()}


def waves_of(session: Session, key: str) -> list[tuple[Wave, int]]:
    """The waves of a questionnaire with the version each belongs to, oldest first."""
    query = (
        select(Wave, QuestionnaireVersion.version)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .where(QuestionnaireVersion.key == key)
        .order_by(Wave.opens_at)
    )
    return [(wave, version) for wave, version in session.execute(query)]


def open_item_keys(session: Session, key: str) -> set[str]:
    """The open (text and number) items of any stored version of a questionnaire."""
    return {
        item.key
        for definition in stored_definitions(session, key).values()
        for item in definition.open_items
    }


def wave_count_table(session: Session, user, key: str, wave_keys: list[str]) -> CountTable:
    """Answer counts per closed item, municipality, wave, code and missing code, with ``alle``,
    read from the count table (``answer_counts``), demo answers among them. Open items (text
    and number) are no categories and never enter a count table, so no dashboard, chart or
    counts.csv shows anything of them (not even how often they were hidden)."""
    code = case((AnswerCount.value == 0, None), else_=AnswerCount.value)
    missing = case((AnswerCount.missing == "", None), else_=AnswerCount.missing)
    query = (
        select(
            AnswerCount.item_key,
            Municipality.name,
            Wave.key,
            code,
            missing,
            func.sum(AnswerCount.count),
        )
        .join(Wave, Wave.id == AnswerCount.wave_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .join(Municipality, Municipality.id == AnswerCount.municipality_id)
        .where(
            QuestionnaireVersion.key == key,
            Wave.key.in_(wave_keys),
            AnswerCount.count > 0,
            municipality_condition(user, AnswerCount.municipality_id),
            AnswerCount.item_key.not_in(sorted(open_item_keys(session, key))),
        )
        .group_by(AnswerCount.item_key, Municipality.name, Wave.key, code, missing)
    )
    return CountTable.from_records(
        (item, group, wave, value, missing_code, int(n))
        for item, group, wave, value, missing_code, n in session.execute(query)
    ).with_total(ALL_GROUP)


def progression_counts(session: Session, key: str, definition: QuestionnaireDef):
    """Domain scores of every occasion, summed per response in SQL, paired per citizen.

    A domain score is the mean of the domain's answered items (negative items reversed) and
    needs at least half of them answered; a citizen belongs to the municipality of their
    first occasion. All municipalities are counted, because the reliable-change limit rests
    on the spread of first scores over all citizens; callers show only the groups a user
    may see.
    """
    domain_of, reversed_items, sizes = {}, {}, {}
    for domain in definition.domains:
        items = [i for i in definition.domain_items(domain.key) if definition.is_comparable(i.key)]
        sizes[domain.key] = len(items)
        for item in items:
            domain_of[item.key] = domain.key
            if item.polarity == "negative":
                reversed_items[item.key] = item.n_options + 1
    counts = ProgressionCounts()
    if not domain_of:
        return counts
    domain = case(domain_of, value=Answer.item_key)
    score = (
        case(
            {k: n - Answer.value for k, n in reversed_items.items()},
            value=Answer.item_key,
            else_=Answer.value,
        )
        if reversed_items
        else Answer.value
    )
    query = (
        select(
            Response.respondent_key,
            Response.submitted_at,
            Response.id,
            Municipality.name,
            domain,
            func.sum(score),
            func.count(Answer.value),
        )
        .join(Response, Response.id == Answer.response_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .join(Municipality, Municipality.id == Response.municipality_id)
        .where(
            QuestionnaireVersion.key == key,
            Response.respondent_key.is_not(None),
            Answer.value.is_not(None),
            Answer.item_key.in_(list(domain_of)),
        )
        .group_by(
            Response.respondent_key, Response.submitted_at, Response.id, Municipality.name, domain
        )
        .order_by(Response.respondent_key, Response.submitted_at, Response.id)
    )
    occasions: dict[str, dict[tuple, dict[str, Fraction]]] = defaultdict(dict)
    places: dict[str, str] = {}
    for citizen, at, response_id, place, domain_key, total, answered in session.execute(query):
        places.setdefault(citizen, place)
        scores = occasions[citizen].setdefault((at, response_id), {})
        if 2 * answered >= sizes[domain_key]:
            scores[DOMAIN_PREFIX + domain_key] = Fraction(int(total), int(answered))
    measures = [DOMAIN_PREFIX + k for k in sizes]
    for citizen, by_occasion in occasions.items():
        series = [by_occasion[k] for k in sorted(by_occasion)]
        add_citizen(counts, series, [ALL_GROUP, places[citizen]], measures)
    return counts


def citizen_data_key(session: Session, key: str) -> str:
    """A digest of what ``progression_counts`` reads beyond the definition: the ids of the
    citizens' responses to ``key`` (answers never change; a response comes or goes) and the
    municipalities' names. Reads one short row per response, not its answers."""
    digest = hashlib.sha256()
    ids = session.execute(
        select(Response.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(QuestionnaireVersion.key == key, Response.respondent_key.is_not(None))
        .order_by(Response.id)
    ).scalars()
    for response_id in ids:
        digest.update(response_id.encode() + b"\n")
    places = session.execute(select(Municipality.id, Municipality.name).order_by(Municipality.id))
    digest.update(repr(places.all()).encode())
    return digest.hexdigest()


def questionnaire_titles(session: Session) -> list[tuple[str, str]]:
    """Every loaded questionnaire key with the title of its newest version."""
    rows = session.execute(
        select(QuestionnaireVersion.key, QuestionnaireVersion.title).order_by(
            QuestionnaireVersion.key, QuestionnaireVersion.version
        )
    )
    return list(dict(rows.all()).items())


def repeated_questionnaires(session: Session) -> list[tuple[str, str]]:
    """The repeated citizen questionnaires (progression), key and title."""
    rows = session.execute(
        select(QuestionnaireVersion.key, QuestionnaireVersion.title)
        .where(QuestionnaireVersion.repeated.is_(True))
        .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
    )
    return list(dict(rows.all()).items())
