"""The answer count table always equals a fresh count of the answers, and the comparison page
read from it gives the same table as counting the answers themselves."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import func, select, text

from analysis.counts import ALL_GROUP, CountTable
from survey_app.answer_counts import fresh_counts, rebuild, stored_counts
from survey_app.answering.responses import AlreadyUsed, find_context, submit_response
from survey_app.citizen_data import erase_citizen
from survey_app.dashboards.counts import wave_count_table
from survey_app.db import get_session
from survey_app.demo import create_demo_data, remove_demo_data
from survey_app.migrate import upgrade_to_head
from survey_app.models import (
    Answer,
    AnswerCount,
    Municipality,
    QuestionnaireVersion,
    Response,
    Wave,
)
from tests.conftest import database_at, invite, open_wave, through_demo_data_and_erasures

SEAL = "test-secret-seal"


class Everyone:
    """A user who sees every municipality."""

    sees_all_municipalities = True


def random_answers(rng, definition):
    """A random answer per item: a code, ved_ikke where the scale has it, or skipped."""
    answers = {}
    for item in definition.items:
        scale = definition.scale_for(item)
        draw = rng.random()
        if draw < 0.1 and not item.required:
            continue
        if draw < 0.2 and scale.non_substantive:
            answers[item.key] = scale.non_substantive.key
        else:
            answers[item.key] = rng.choice(scale.options).code
    return answers


def submit_randomly(app, rng, tokens):
    with app.app_context():
        session = get_session()
        for token in tokens:
            ctx = find_context(session, token, SEAL)
            submit_response(session, ctx, random_answers(rng, ctx.definition))
        session.commit()


def assert_counts_exact(app):
    with app.app_context():
        session = get_session()
        fresh = fresh_counts(session)
        assert fresh, "nothing counted: the test would prove nothing"
        assert stored_counts(session) == fresh


def test_counts_stay_exact_through_submits_erasures_and_demo_replacement(app):
    rng = random.Random(14)
    open_wave(app, questionnaire="en-plan", key="e-open")
    open_wave(app, questionnaire="ledighedsydelse", key="l-open")
    for place in ("Aalborg", "Furesø"):
        keys = [f"sag-{place}-{i}" for i in range(6)]
        submit_randomly(app, rng, invite(
            app, questionnaire="en-plan", wave="e-open", municipality=place, count=6,
            respondent_keys=keys,
        ))  # fmt: skip
        submit_randomly(app, rng, invite(app, wave="l-open", municipality=place, count=9))
    assert_counts_exact(app)
    through_demo_data_and_erasures(
        app, ["sag-Aalborg-2", "sag-Furesø-0"], assert_counts_exact, SEAL
    )
    with app.app_context():
        session = get_session()
        remove_demo_data(session)
        session.commit()
        assert not session.scalar(
            select(func.count()).select_from(AnswerCount).where(AnswerCount.is_demo)
        )
    assert_counts_exact(app)


def test_a_refused_second_submission_changes_no_count(app):
    open_wave(app, questionnaire="ledighedsydelse", key="l-open")
    [token] = invite(app, wave="l-open")
    submit_randomly(app, random.Random(1), [token])
    with app.app_context():
        session = get_session()
        before = stored_counts(session)
        responses = session.scalar(select(func.count()).select_from(Response))
        ctx = find_context(session, token, SEAL)
        with pytest.raises(AlreadyUsed):
            submit_response(session, ctx, random_answers(random.Random(2), ctx.definition))
        session.commit()  # as the link page does: nothing was written before the refusal
        assert stored_counts(session) == before == fresh_counts(session)
        assert session.scalar(select(func.count()).select_from(Response)) == responses == 1


def counted_from_answers(session, key, wave_keys) -> CountTable:
    """The comparison's count table the simple way: grouping the answer rows."""
    query = (
        select(Answer.item_key, Municipality.name, Wave.key, Answer.value, Answer.missing,
               func.count())
        .join(Response, Response.id == Answer.response_id)
        .join(Wave, Wave.id == Response.wave_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .join(Municipality, Municipality.id == Response.municipality_id)
        .where(QuestionnaireVersion.key == key, Wave.key.in_(wave_keys))
        .group_by(Answer.item_key, Municipality.name, Wave.key, Answer.value, Answer.missing)
    )  # fmt: skip
    return CountTable.from_records(session.execute(query)).with_total(ALL_GROUP)


def test_comparison_table_from_counts_equals_grouping_the_answers(app):
    with app.app_context():
        session = get_session()
        create_demo_data(session, 5, "http://x", SEAL)
        session.commit()
        compared = 0
        keys = session.scalars(select(QuestionnaireVersion.key).distinct())
        for key in keys.all():
            waves = [w for (w,) in session.execute(
                select(Wave.key).join(QuestionnaireVersion).where(QuestionnaireVersion.key == key)
            )]  # fmt: skip
            fast = wave_count_table(session, Everyone(), key, waves)
            slow = counted_from_answers(session, key, waves)
            assert set(fast.records()) == set(slow.records())
            compared += bool(list(slow.records()))
        assert compared


def test_rebuild_gives_the_kept_counts(app):
    with app.app_context():
        session = get_session()
        create_demo_data(session, 6, "http://x", SEAL)
        session.commit()
        kept = stored_counts(session)
        assert rebuild(session) == len(kept)
        assert stored_counts(session) == kept


def test_migration_counts_the_answers_already_stored(tmp_path):
    engine = database_at(tmp_path, "0005")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO municipality (id, name, network) VALUES (1, 'A', 'n'), (2, 'B', 'n');"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO wave (id, questionnaire_version_id, key, title, opens_at, closes_at, "
            "is_demo) VALUES (1, 1, 'w', 't', '2020-01-01', '2020-02-01', 0)"
        ))  # fmt: skip
        responses = [("r1", 1, 1), ("r2", 1, 1), ("r3", 2, 1), ("r4", 1, None)]
        for rid, place, wave in responses:
            connection.execute(
                text(
                    "INSERT INTO response (id, questionnaire_version_id, wave_id, municipality_id,"
                    " submitted_at, is_demo) VALUES (:id, 1, :wave, :place, '2020-01-02', 0)"
                ),
                {"id": rid, "wave": wave, "place": place},
            )
        answers = [("r1", 2, None), ("r2", 2, None), ("r3", None, "ved_ikke"), ("r4", 1, None)]
        for rid, value, missing in answers:
            connection.execute(
                text(
                    "INSERT INTO answer (response_id, item_key, position, value, missing) "
                    "VALUES (:id, 'q', 1, :value, :missing)"
                ),
                {"id": rid, "value": value, "missing": missing},
            )
    upgrade_to_head(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT municipality_id, item_key, value, missing, count FROM answer_count "
                 "ORDER BY municipality_id")
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [(1, "q", 2, "", 2), (2, "q", 0, "ved_ikke", 1)]
    engine.dispose()


def test_a_kept_page_is_never_stale(app):
    from survey_app.dashboards.memo import forget_all
    from tests.conftest import signed_in_client
    from tests.test_dashboards import answer_waves

    open_wave(app, key="runde-a")
    open_wave(app, key="runde-b")
    client = signed_in_client(app, "evaluator")

    def shown():
        html = client.get(page).get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]*"', "", html)

    page = "/dashboard/compare/ledighedsydelse/runde-a/runde-b"
    answer_waves(app, "Aalborg", ["1"] * 5, ["5"] * 5)
    before = shown()
    assert shown() == before  # kept
    answer_waves(app, "Aalborg", ["2"], ["4"])
    after = shown()
    assert after != before
    forget_all()
    assert shown() == after
    with app.app_context():
        session = get_session()
        assert stored_counts(session) == fresh_counts(session)


def test_a_kept_progression_page_follows_erasure(app):
    from survey_app.dashboards.memo import forget_all
    from tests.conftest import signed_in_client

    with app.app_context():
        session = get_session()
        create_demo_data(session, 8, "http://x", SEAL)
        session.commit()
        citizen = session.scalars(
            select(Response.respondent_key).where(Response.respondent_key.is_not(None))
        ).first()
    client = signed_in_client(app, "evaluator")
    page = "/dashboard/progression/en-plan"

    def shown():
        html = client.get(page).get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]*"', "", html)

    before = shown()
    with app.app_context():
        session = get_session()
        erase_citizen(session, citizen, seal_key=SEAL)
        session.commit()
    after = shown()
    assert after != before
    forget_all()
    assert shown() == after


def test_the_plain_rows_of_the_submitting_paths_hold_every_column_of_their_tables():
    from dataclasses import fields

    from survey_app.models import Answer, NewAnswer, NewResponse, Response

    for plain, table in ((NewResponse, Response), (NewAnswer, Answer)):
        assert [f.name for f in fields(plain)] == [c.name for c in table.__table__.columns]
    row = NewAnswer("r-1", "item", 3, missing="ved_ikke")
    orm = row.as_orm()
    assert isinstance(orm, Answer)
    kept = (orm.response_id, orm.item_key, orm.position, orm.value, orm.text_value, orm.missing)
    assert kept == ("r-1", "item", 3, None, None, "ved_ikke")
