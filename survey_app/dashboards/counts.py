"""SQL aggregation for the dashboards: counts handed to ``analysis``, never answer rows."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from sqlalchemy import case, func, select
from sqlmodel import Session

from analysis.counts import ALL_GROUP, CountTable
from analysis.definitions import QuestionnaireDef, definition_from_mapping, merge_versions
from analysis.progression import DOMAIN_PREFIX, ProgressionCounts, Score
from analysis.reading import MISSING_CODES

from ..access import municipality_condition
from ..models import AnswerCount, Municipality, QuestionnaireVersion, Wave
from ..occasion_scores import ensure_current, generation
from ..progression_tally import TOTAL, read_tally


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
    """Domain scores of every occasion, paired per citizen, as counts.

    A domain score is the mean of the domain's answered comparable items (negative items
    reversed) and needs at least half of them answered; an occasion is a citizen response
    with at least one of those items answered, numbered per citizen by time; a citizen
    belongs to the municipality of their first occasion. All municipalities are counted,
    because the reliable-change limit rests on the spread of first scores over all citizens;
    callers show only the groups a user may see. Reads the progression tally
    (``progression_tally``), kept per citizen from the occasion score table.
    """
    ensure_current(session, key, definition)
    places = dict(session.execute(select(Municipality.id, Municipality.name)).all())
    # Counted on the packed integers first, then turned into exact scores once per key.
    by_occasion: dict[tuple, Counter] = defaultdict(Counter)
    first_scores: dict[str, Counter] = defaultdict(Counter)
    pairs: dict[tuple, Counter] = defaultdict(Counter)
    for kind, domain, place, number, first, latest, _, many in read_tally(
        session, key, ("occasion", "pair")
    ):
        measure, groups = DOMAIN_PREFIX + domain, (ALL_GROUP, places[place])
        if kind == "occasion":
            for group in groups:
                by_occasion[(measure, group, number)][first] += many
            continue
        first_scores[measure][first] += many
        for group in groups:
            found = pairs[(measure, group)]
            if number:
                found[(first, latest)] += many
    scores: dict[int, Score] = {}

    def score(packed: int) -> Score:
        found = scores.get(packed)
        if found is None:
            found = scores[packed] = Score(*divmod(packed, TOTAL))
        return found

    def exact(counter: Counter) -> Counter:
        # Packed scores differ where their values are equal (3 of 6 and 2 of 4), so add up.
        found: Counter = Counter()
        for packed, n in counter.items():
            found[score(packed)] += n
        return found

    def exact_pairs(counter: Counter) -> Counter:
        found: Counter = Counter()
        for (first, latest), n in counter.items():
            found[(score(first), score(latest))] += n
        return found

    return ProgressionCounts(
        pairs={k: exact_pairs(c) for k, c in pairs.items()},
        first_scores={k: exact(c) for k, c in first_scores.items()},
        by_occasion={k: exact(c) for k, c in by_occasion.items()},
    )


def citizen_data_key(session: Session) -> tuple:
    """What ``progression_counts`` reads beyond the definition, in two short reads whatever
    the number of responses: the token of the occasion score table's last change and the
    municipalities' names. Read it before the counts: a page kept under it is then never
    older than it."""
    places = session.execute(select(Municipality.id, Municipality.name).order_by(Municipality.id))
    return generation(session), tuple(places.all())


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
