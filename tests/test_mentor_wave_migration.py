"""Migration 0007: the mentor survey's end-of-trial wave moves to the end of 2022 (seed 004: the
trials were extended) and keeps its invitations, responses and answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alembic import command
from sqlalchemy import func, select
from sqlmodel import Session

from survey_app.db import get_session
from survey_app.invitations import create_invitations
from survey_app.migrate import alembic_config, upgrade_to_head
from survey_app.models import Answer, Invitation, Response, Wave
from survey_app.questionnaire_schema import load_directory
from survey_app.reference_data import HISTORIC_WAVES
from survey_app.registry import ensure_municipalities, find_municipality, version_row
from survey_app.waves import as_utc, create_wave, find_wave
from tests.conftest import QUESTIONNAIRES, database_at

DANISH = ZoneInfo("Europe/Copenhagen")
SEAL_KEY = "test-secret-seal"
# The seed's dates as Danish dates: 1 November - 15 December (through its last second).
BEFORE = (datetime(2021, 11, 1, tzinfo=DANISH), datetime(2021, 12, 15, 23, 59, 59, tzinfo=DANISH))
AFTER = (datetime(2022, 11, 1, tzinfo=DANISH), datetime(2022, 12, 15, 23, 59, 59, tzinfo=DANISH))
MENTOR_ANSWERS = {
    "brug_fleksibelt_tilbud": 3,
    "forenklet_kontaktforloeb": 4,
    "kvalitet_fleksibelt_tilbud": "ved_ikke",
}


def migrate(engine, target: str) -> None:
    """Upgrade or downgrade ``engine``'s database to ``target``."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["seal_key"] = SEAL_KEY
        if target == "head":
            command.upgrade(config, target)
        else:
            command.downgrade(config, target)


def dates(session: Session, questionnaire: str, key: str) -> tuple[datetime, datetime]:
    wave = find_wave(session, questionnaire, key)
    session.refresh(wave)
    return as_utc(wave.opens_at), as_utc(wave.closes_at)


def utc(pair: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    return as_utc(pair[0]), as_utc(pair[1])


def store_versions(session: Session) -> None:
    """Store every shipped questionnaire version as ``load_questionnaires`` did at revision
    0006 (later code also recomputes the occasion score table, which 0006 does not have)."""
    questionnaires, errors = load_directory(QUESTIONNAIRES)
    assert not errors
    for questionnaire in questionnaires:
        session.add(version_row(questionnaire))
    session.flush()


def answer_some(session: Session, wave: Wave, count: int) -> None:
    """Invite ``count`` caseworkers in Thisted to ``wave`` and store a response from each.

    The rows are written as they were at revision 0006 (later code also keeps a count table,
    which a database at 0006 does not have yet)."""
    place = find_municipality(session, "Thisted")
    create_invitations(session, wave, place, count, "http://x", now=as_utc(wave.opens_at))
    for n in range(count):
        response = Response(
            id=f"mentor-{n}",
            questionnaire_version_id=wave.questionnaire_version_id,
            wave_id=wave.id,
            municipality_id=place.id,
            submitted_at=as_utc(wave.opens_at) + timedelta(days=3),
        )
        session.add(response)
        session.flush()
        for position, (key, given) in enumerate(MENTOR_ANSWERS.items(), start=1):
            code = given if isinstance(given, int) else None
            missing = None if code is not None else given
            session.add(Answer(response_id=response.id, item_key=key, position=position,
                               value=code, missing=missing))  # fmt: skip
    session.flush()


def snapshot(session: Session, wave_id: int) -> dict[str, object]:
    """What must survive the migration: the wave's invitations, responses and answers."""
    responses = select(Response.id).where(Response.wave_id == wave_id)
    answers = session.execute(
        select(Answer.response_id, Answer.item_key, Answer.value, Answer.missing)
        .where(Answer.response_id.in_(responses))
        .order_by(Answer.response_id, Answer.item_key)
    ).all()
    invitations = select(func.count()).select_from(Invitation).where(Invitation.wave_id == wave_id)
    return {
        "invitations": session.execute(invitations).scalar_one(),
        "responses": sorted(session.execute(responses).scalars()),
        "answers": answers,
    }


def test_reference_data_dates_the_mentor_end_of_trial_wave_at_the_end_of_2022():
    wave = next(
        w for w in HISTORIC_WAVES if (w.questionnaire, w.key) == ("mentor", "forsoegsafslutning")
    )
    assert (wave.opens_at, wave.closes_at) == utc(AFTER)
    assert wave.version == 1


def test_0007_moves_the_seeds_wave_in_an_existing_database_and_keeps_its_data(tmp_path):
    engine = database_at(tmp_path, "0006")
    with Session(engine) as session:
        ensure_municipalities(session)
        store_versions(session)
        # the wave as init-db created it before this change, with answers in it
        mentor = create_wave(session, "mentor", "forsoegsafslutning", "Forsøgets afslutning",
                             *BEFORE, version=1, title_en="End of the trial")  # fmt: skip
        # the same key on another questionnaire, and mentor's other wave: both left alone
        other = create_wave(session, "ledighedsydelse", "forsoegsafslutning", "Egen", *BEFORE)
        january = (BEFORE[0] - timedelta(days=300), BEFORE[0] - timedelta(days=280))
        create_wave(session, "mentor", "jan-2019", "Januar 2019", *january)
        answer_some(session, mentor, 3)
        session.commit()
        before = snapshot(session, mentor.id)
        mentor_id, other_id = mentor.id, other.id
    assert len(before["responses"]) == 3 and len(before["answers"]) == 9

    upgrade_to_head(engine, seal_key=SEAL_KEY)

    with Session(engine) as session:
        assert dates(session, "mentor", "forsoegsafslutning") == utc(AFTER)
        assert find_wave(session, "mentor", "forsoegsafslutning").id == mentor_id
        assert dates(session, "ledighedsydelse", "forsoegsafslutning") == utc(BEFORE)
        assert find_wave(session, "ledighedsydelse", "forsoegsafslutning").id == other_id
        assert dates(session, "mentor", "jan-2019") == utc(january)
        assert snapshot(session, mentor_id) == before
        # the responses stay on version 1 of the questionnaire
        versions = session.execute(
            select(Response.questionnaire_version_id).where(Response.wave_id == mentor_id)
        ).scalars()
        assert set(versions) == {
            find_wave(session, "mentor", "forsoegsafslutning").questionnaire_version_id
        }
    engine.dispose()


def test_0007_leaves_a_wave_whose_dates_an_administrator_changed(tmp_path):
    engine = database_at(tmp_path, "0006")
    own = (datetime(2022, 3, 1, tzinfo=DANISH), datetime(2022, 4, 1, tzinfo=DANISH))
    with Session(engine) as session:
        store_versions(session)
        create_wave(session, "mentor", "forsoegsafslutning", "Forsøgets afslutning", *own)
        session.commit()
    upgrade_to_head(engine, seal_key=SEAL_KEY)
    with Session(engine) as session:
        assert dates(session, "mentor", "forsoegsafslutning") == utc(own)
    engine.dispose()


def test_0007_down_and_up_again_on_the_test_database(app):
    """On the suite's database (SQLite or PostgreSQL): downgrading puts the wave back in 2021,
    upgrading moves it to 2022; only that wave moves and its answers stay."""
    engine = app.extensions["db_engine"]
    with app.app_context():
        session = get_session()
        wave = find_wave(session, "mentor", "forsoegsafslutning")
        assert dates(session, "mentor", "forsoegsafslutning") == utc(AFTER)
        answer_some(session, wave, 2)
        session.commit()
        before, wave_id = snapshot(session, wave.id), wave.id
        review = dates(session, "mentor-sagsgennemgang", "forsoegsafslutning")
        session.close()
    try:
        migrate(engine, "0006")
        with app.app_context():
            session = get_session()
            assert dates(session, "mentor", "forsoegsafslutning") == utc(BEFORE)
            assert dates(session, "mentor-sagsgennemgang", "forsoegsafslutning") == review
            session.close()
    finally:
        migrate(engine, "head")
    with app.app_context():
        session = get_session()
        assert dates(session, "mentor", "forsoegsafslutning") == utc(AFTER)
        assert snapshot(session, wave_id) == before
        assert len(before["responses"]) == 2
