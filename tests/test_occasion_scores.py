"""The occasion score table always equals a computation from the answers, and the progression
counts and alphas read from it equal the per-citizen computations they replace."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from analysis.counts import ALL_GROUP
from analysis.progression import (
    DOMAIN_PREFIX,
    ProgressionCounts,
    add_citizen,
    domain_reliabilities,
)
from analysis.reliability import alpha_from_patterns, alpha_with_interval, cronbach_alpha
from survey_app.answer_counts import rebuild, store_answers
from survey_app.answering.responses import answer_rows
from survey_app.auth.users import create_user
from survey_app.citizen_data import erase_citizen
from survey_app.dashboards.counts import analysis_definition, progression_counts
from survey_app.dashboards.reliability import estimated_reliabilities
from survey_app.db import get_session
from survey_app.demo import create_demo_data, remove_demo_data
from survey_app.kiosk.citizens import register_citizen
from survey_app.kiosk.sessions import save_answers, start_session, submit
from survey_app.models import (
    Answer,
    Municipality,
    OccasionScore,
    ProgressionTally,
    QuestionnaireVersion,
    Response,
)
from survey_app.progression_tally import rebuild_tally
from survey_app.registry import definition_of, find_municipality, find_version
from tests.conftest import through_demo_data_and_erasures
from tests.test_answer_counts import random_answers

SEAL = "test-secret-seal"
PLACES = ("Aalborg", "Furesø", "Ballerup")


# --- the references: computed from the answers, the simple way -------------------------------


def answers_by_response(session):
    """Every citizen response with its questionnaire key and its answer rows."""
    query = (
        select(QuestionnaireVersion.key, Response, Answer.item_key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(Response.respondent_key.is_not(None))
    )
    found: dict[str, tuple] = {}
    for key, response, item, value in session.execute(query):
        found.setdefault(response.id, (key, response, {}))[2][item] = value
    return found


def expected_table(session) -> set[tuple]:
    """Per citizen response and domain (of the merged definition) with an answer row for one
    of the domain's items: the comparable items, how many have a code, the sum of the codes
    with negative items reversed, and the reversed codes."""
    rows = set()
    definitions = {}
    for key, response, values in answers_by_response(session).values():
        if key not in definitions:
            definitions[key] = analysis_definition(session, key)
        definition = definitions[key]
        for domain in definition.domains:
            items = definition.domain_items(domain.key)
            if not any(i.key in values for i in items):
                continue
            codes = []
            for item in items:
                if not definition.is_comparable(item.key):
                    continue
                value = values.get(item.key)
                if value is not None and item.polarity == "negative":
                    value = item.n_options + 1 - value
                codes.append(value)
            given = [c for c in codes if c is not None]
            rows.add((
                response.id, domain.key, key, response.respondent_key, response.municipality_id,
                bool(response.is_demo), len(codes), len(given), sum(given),
                ",".join("" if c is None else str(c) for c in codes),
            ))  # fmt: skip
    return rows


def stored_table(session) -> set[tuple]:
    t = OccasionScore
    query = select(t.response_id, t.domain, t.questionnaire_key, t.respondent_key,
                   t.municipality_id, t.is_demo, t.size, t.answered, t.total, t.codes)  # fmt: skip
    return {tuple(row) for row in session.execute(query)}


def reference_counts(session, key: str) -> ProgressionCounts:
    """The per-citizen computation the SQL replaces: an occasion is a citizen response with a
    comparable domain item answered; scores are exact fractions; a citizen counts in the
    municipality of their first occasion (by time, then response id)."""
    definition = analysis_definition(session, key)
    places = dict(session.execute(select(Municipality.id, Municipality.name)).all())
    citizens: dict[str, list] = defaultdict(list)
    for questionnaire, response, values in answers_by_response(session).values():
        if questionnaire != key:
            continue
        scores, any_answer = {}, False
        for domain in definition.domains:
            items = [
                i for i in definition.domain_items(domain.key) if definition.is_comparable(i.key)
            ]
            given = [
                i.n_options + 1 - values[i.key] if i.polarity == "negative" else values[i.key]
                for i in items
                if values.get(i.key) is not None
            ]
            any_answer |= bool(given)
            if given and 2 * len(given) >= len(items):
                scores[DOMAIN_PREFIX + domain.key] = Fraction(sum(given), len(given))
        if any_answer:
            occasion = (response.submitted_at, response.id)
            citizens[response.respondent_key].append((occasion, response.municipality_id, scores))
    counts = ProgressionCounts()
    measures = [DOMAIN_PREFIX + d.key for d in definition.domains]
    for occasions in citizens.values():
        occasions.sort(key=lambda o: o[0])
        groups = [ALL_GROUP, places[occasions[0][1]]]
        add_citizen(counts, [o[2] for o in occasions], groups, measures)
    return counts


def reference_first_values(session, key: str) -> list[dict]:
    """Each citizen's first response (by time, then id) among those with an answer row for a
    domain item: its domain items' codes (None where missing), as the page read them before."""
    definition = analysis_definition(session, key)
    items = {i.key for d in definition.domains for i in definition.domain_items(d.key)}
    firsts: dict[str, tuple] = {}
    for questionnaire, response, values in answers_by_response(session).values():
        mine = {k: v for k, v in values.items() if k in items}
        if questionnaire != key or not mine:
            continue
        occasion = (response.submitted_at, response.id, mine)
        citizen = response.respondent_key
        if citizen not in firsts or occasion[:2] < firsts[citizen][:2]:
            firsts[citizen] = occasion
    return [first[2] for first in firsts.values()]


# --- ways of making data ------------------------------------------------------------------------


def kiosk_occasions(app, rng, pseudonyms: list[str]) -> None:
    """Each citizen answers en-plan on the tablet one to three times, at random."""
    with app.app_context():
        session = get_session()
        user = create_user(session, f"raad-{rng.random()}@example.dk", "admin", "x" * 12, [])
        version = find_version(session, "en-plan")
        definition = definition_of(version)
        for pseudonym in pseudonyms:
            place = find_municipality(session, rng.choice(PLACES))
            citizen = register_citizen(session, pseudonym, place, user.id)
            for _ in range(rng.randint(1, 3)):
                kiosk = start_session(session, citizen, version, user.id, "1234")
                save_answers(session, kiosk, random_answers(rng, definition), 0)
                submit(session, kiosk, citizen, definition)
        session.commit()


def add_one_occasion(session, citizen: str, at: datetime, answers: dict, place: str) -> None:
    """One en-plan occasion of ``citizen``, stored as a submission stores it."""
    version = find_version(session, "en-plan")
    response = Response(
        id=str(uuid.uuid4()), questionnaire_version_id=version.id, respondent_key=citizen,
        municipality_id=find_municipality(session, place).id, submitted_at=at,
    )  # fmt: skip
    session.add(response)
    session.flush()
    rows = answer_rows(definition_of(version), response.id, answers)
    store_answers(session, response, rows)


def stored_occasions(app, rng, citizens: int, moments: int = 6) -> None:
    """Citizens with up to four occasions at few distinct moments (so that some occasions of a
    citizen share their time and the response id decides), in changing municipalities, some
    without any substantive answer."""
    with app.app_context():
        session = get_session()
        definition = definition_of(find_version(session, "en-plan"))
        start = datetime(2020, 1, 1, tzinfo=UTC)
        for c in range(citizens):
            for _ in range(rng.randint(1, 4)):
                place = rng.choice(PLACES)
                at = start + timedelta(days=rng.randrange(moments))
                answers = random_answers(rng, definition)
                if rng.random() < 0.1:
                    answers = {}
                add_one_occasion(session, f"borger-{c}", at, answers, place)
        session.commit()


def add_changed_version(app) -> None:
    """en-plan v2: one domain item reworded (no longer comparable) and one item turned round
    (negative polarity), so the merged definition's rules change for the stored answers."""
    with app.app_context():
        session = get_session()
        v1 = find_version(session, "en-plan", 1)
        data = json.loads(v1.definition)
        data["version"] = 2
        in_domains = [i for i in data["items"] if i.get("domain")]
        in_domains[0]["text"] = {"da": "Et nyt spørgsmål"}
        turned = in_domains[1].get("polarity") == "negative"
        in_domains[1]["polarity"] = "positive" if turned else "negative"
        session.add(QuestionnaireVersion(
            key="en-plan", version=2, title=v1.title, audience=v1.audience,
            anonymous=v1.anonymous, repeated=v1.repeated, fingerprint="v2-test",
            definition=json.dumps(data),
        ))  # fmt: skip
        session.commit()


def stored_tally(session) -> dict[tuple, int]:
    t = ProgressionTally
    rows = session.execute(select(t.questionnaire_key, t.kind, t.domain, t.municipality_id,
                                  t.number, t.first, t.latest, t.codes, t.count)
                           .where(t.count != 0))  # fmt: skip
    return {tuple(row[:-1]): row[-1] for row in rows}


def assert_table_exact(app) -> None:
    """The occasion rows equal a recomputation from the answers, and the tally kept citizen
    by citizen through every change equals the tally counted afresh from those rows."""
    with app.app_context():
        session = get_session()
        expected = expected_table(session)
        assert expected, "no occasion: the test would prove nothing"
        assert stored_table(session) == expected
        kept = stored_tally(session)
        assert kept and min(kept.values()) > 0
        rebuild_tally(session)
        assert stored_tally(session) == kept
        session.rollback()


def assert_reads_exact(app) -> None:
    with app.app_context():
        session = get_session()
        definition = analysis_definition(session, "en-plan")
        counts = progression_counts(session, "en-plan", definition)
        expected = reference_counts(session, "en-plan")
        assert expected.pairs and expected.by_occasion
        assert counts == expected
        assert estimated_reliabilities(session, "en-plan", definition) == domain_reliabilities(
            reference_first_values(session, "en-plan"), definition
        )
        session.commit()


# --- the tests ------------------------------------------------------------------------------


def test_table_stays_exact_through_kiosk_occasions_erasures_and_demo_replacement(app):
    rng = random.Random(12)
    kiosk_occasions(app, rng, [f"sag-{i}" for i in range(8)])
    assert_table_exact(app)
    through_demo_data_and_erasures(app, ["sag-2", "sag-5"], assert_table_exact, SEAL)
    kiosk_occasions(app, rng, [f"sag-ny-{i}" for i in range(4)])
    with app.app_context():
        session = get_session()
        remove_demo_data(session)
        session.commit()
        assert not session.scalar(select(OccasionScore.response_id).where(OccasionScore.is_demo))
    assert_table_exact(app)
    with app.app_context():
        session = get_session()
        kept = stored_table(session)
        rebuild(session)
        session.commit()
        assert stored_table(session) == kept


def test_counts_and_alpha_equal_the_per_citizen_computation(app):
    rng = random.Random(2026)
    stored_occasions(app, rng, 60)
    kiosk_occasions(app, rng, [f"sag-{i}" for i in range(5)])
    with app.app_context():
        session = get_session()
        create_demo_data(session, 7, "http://x", SEAL)
        session.commit()
    assert_reads_exact(app)
    # A new version changes which items count and how: the rows are recomputed before
    # they are read, and new submissions follow the new rules.
    add_changed_version(app)
    assert_reads_exact(app)
    assert_table_exact(app)
    stored_occasions(app, rng, 10)
    assert_table_exact(app)
    assert_reads_exact(app)


def test_alpha_from_patterns_equals_cronbach_alpha_on_the_rows():
    rng = random.Random(7)
    for k in (2, 3, 5):
        rows = [[rng.randint(1, 5) for _ in range(k)] for _ in range(rng.randint(2, 60))]
        incomplete = [[None, *row[1:]] for row in rows[:3]]
        estimate = alpha_from_patterns(Counter(tuple(r) for r in rows), k, len(rows) + 3)
        assert estimate.alpha == cronbach_alpha(rows)
        assert estimate == alpha_with_interval(rows + incomplete)
    constant = [[3, 3], [3, 3], [3, 3]]
    assert alpha_from_patterns(Counter(tuple(r) for r in constant), 2, 3).alpha is None
    assert alpha_from_patterns(Counter(), 0, 0) == alpha_with_interval([])


def test_migration_fills_the_table_from_the_answers_already_stored(app):
    from alembic import command

    from survey_app.db import engine
    from survey_app.migrate import alembic_config, upgrade_to_head

    stored_occasions(app, random.Random(5), 20)
    with app.app_context():
        session = get_session()
        create_demo_data(session, 2, "http://x", SEAL)
        session.commit()
        session.close()
        config = alembic_config(engine())
        with engine().begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0011")
        upgrade_to_head(engine())
    assert_table_exact(app)


def test_a_kept_progression_page_is_never_stale(app):
    from survey_app.dashboards.memo import forget_all
    from tests.conftest import signed_in_client

    client = signed_in_client(app, "evaluator")

    def shown():
        html = client.get("/dashboard/progression/en-plan").get_data(as_text=True)
        return html.split('name="csrf_token"')[0] + html.split("</form>")[-1]

    rng = random.Random(3)
    stored_occasions(app, rng, 40)
    before = shown()
    assert shown() == before
    stored_occasions(app, rng, 3)
    after = shown()
    assert after != before
    forget_all()
    assert shown() == after
    with app.app_context():
        session = get_session()
        erase_citizen(session, "borger-1", seal_key=SEAL)
        session.commit()
    erased = shown()
    assert erased != after
    forget_all()
    assert shown() == erased


def test_two_occasions_of_one_citizen_at_the_same_moment_are_both_tallied(app):
    """The second transaction works out the citizen's share only after the first committed
    (it waits on the change token), so neither share is computed from a stale view."""
    import threading

    from sqlmodel import Session

    from survey_app.db import engine

    rng = random.Random(8)
    stored_occasions(app, rng, 3)
    with app.app_context():
        if engine().dialect.name != "postgresql":
            pytest.skip("SQLite runs one writing transaction at a time")
        start = datetime(2021, 5, 1, tzinfo=UTC)
        first, second = Session(engine()), Session(engine())
        definition = definition_of(find_version(first, "en-plan"))
        add_one_occasion(first, "borger-1", start, random_answers(rng, definition), "Aalborg")
        waited = threading.Event()

        def other_tablet():
            later, answers = start + timedelta(days=1), random_answers(random.Random(9), definition)
            add_one_occasion(second, "borger-1", later, answers, "Aalborg")
            second.commit()
            waited.set()

        thread = threading.Thread(target=other_tablet)
        thread.start()
        assert not waited.wait(0.5), "the second occasion did not wait for the first"
        first.commit()
        thread.join(10)
        assert waited.is_set()
        first.close()
        second.close()
    assert_table_exact(app)
    assert_reads_exact(app)
