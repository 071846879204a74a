"""SQL aggregation for the dashboards: counts handed to ``analysis``, never answer rows."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from fractions import Fraction

from sqlalchemy import BigInteger, case, cast, func, literal, null, select, union_all
from sqlmodel import Session

from analysis.counts import ALL_GROUP, CountTable
from analysis.definitions import QuestionnaireDef, definition_from_mapping, merge_versions
from analysis.progression import DOMAIN_PREFIX, ProgressionCounts
from analysis.reading import MISSING_CODES

from ..access import municipality_condition
from ..models import AnswerCount, Municipality, OccasionScore, QuestionnaireVersion, Wave
from ..occasion_scores import ensure_current, generation


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


# A score is packed with its occasion number into one integer, number * 10^6 + total * 10^3
# + answered (a domain's total stays below 1000), so that the least and the greatest packed
# value of a citizen's scored occasions are the first and the latest score (one GROUP BY
# instead of more window passes).
OCCASION, TOTAL = 1_000_000, 1_000


def occasion_order(session: Session, table) -> tuple:
    """The order of a citizen's occasions: by submission time, then response id compared
    as Python compares strings (byte order, whatever the database's collation)."""
    response_id = table.c.response_id
    if session.get_bind().dialect.name == "postgresql":
        response_id = response_id.collate("C")
    return (table.c.submitted_at, response_id)


def progression_counts(session: Session, key: str, definition: QuestionnaireDef):
    """Domain scores of every occasion, paired per citizen, counted in SQL.

    A domain score is the mean of the domain's answered comparable items (negative items
    reversed) and needs at least half of them answered; an occasion is a citizen response
    with at least one of those items answered, numbered per citizen by time; a citizen
    belongs to the municipality of their first occasion. All municipalities are counted,
    because the reliable-change limit rests on the spread of first scores over all citizens;
    callers show only the groups a user may see. Reads the occasion score table
    (``occasion_scores``), one row per occasion and domain, and hands back counts only.
    """
    ensure_current(session, key, definition)
    t = OccasionScore
    answered = (
        select(t.respondent_key, t.response_id, t.submitted_at, t.municipality_id, t.domain,
               t.size, t.answered, t.total)
        .where(t.questionnaire_key == key, t.answered > 0)
        .subquery()
    )  # fmt: skip
    citizen, order = answered.c.respondent_key, occasion_order(session, answered)
    numbered = select(
        citizen,
        answered.c.domain,
        answered.c.size,
        answered.c.answered,
        answered.c.total,
        func.dense_rank().over(partition_by=citizen, order_by=order).label("number"),
        func.first_value(answered.c.municipality_id)
        .over(partition_by=citizen, order_by=order)
        .label("place"),
    ).subquery()
    n = numbered.c
    scored = (
        select(
            n.respondent_key,
            n.domain,
            n.place,
            n.number,
            n.total,
            n.answered,
            (cast(n.number, BigInteger) * OCCASION + n.total * TOTAL + n.answered).label("packed"),
        )
        .where(n.size > 0, 2 * n.answered >= n.size)
        .cte("scored")
    )
    s = scored.c
    occasions = select(
        literal(0), s.domain, s.place, s.number, s.total * TOTAL + s.answered, null(), func.count()
    ).group_by(s.domain, s.place, s.number, s.total, s.answered)
    measured = (
        select(
            s.domain,
            s.place,
            case((func.count() >= 2, 1), else_=0).label("paired"),
            (func.min(s.packed) % OCCASION).label("first"),
            (func.max(s.packed) % OCCASION).label("latest"),
        )
        .group_by(s.respondent_key, s.domain, s.place)
        .subquery()
    )
    m = measured.c
    firsts = select(
        literal(1), m.domain, m.place, m.paired, m.first, m.latest, func.count()
    ).group_by(m.domain, m.place, m.paired, m.first, m.latest)
    places = dict(session.execute(select(Municipality.id, Municipality.name)).all())
    counts = ProgressionCounts()
    for kind, domain, place, number, first, latest, many in session.execute(
        union_all(occasions, firsts)
    ):
        measure, groups = DOMAIN_PREFIX + domain, (ALL_GROUP, places[place])
        score = Fraction(*divmod(first, TOTAL))
        if kind == 0:
            for group in groups:
                counts.by_occasion.setdefault((measure, group, number), Counter())[score] += many
            continue
        counts.first_scores.setdefault(measure, Counter())[score] += many
        for group in groups:
            pairs = counts.pairs.setdefault((measure, group), Counter())
            if number:
                pairs[(score, Fraction(*divmod(latest, TOTAL)))] += many
    return counts


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
