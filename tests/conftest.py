"""Shared fixtures: a real database (a SQLite file, or SURVEY_APP_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from survey_app import create_app
from survey_app.db import get_session, make_engine
from survey_app.migrate import upgrade_to_head
from survey_app.registry import ensure_municipalities, load_questionnaires
from survey_app.waves import ensure_historic_waves

REPO = Path(__file__).resolve().parent.parent
QUESTIONNAIRES = REPO / "questionnaires"
CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A migrated, empty database for the whole test session.

    For SQLite this is a template file that each test copies (see ``fresh_database``).
    """
    url = os.environ.get("SURVEY_APP_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    return url


def fresh_database(database_url: str, tmp_path: Path) -> str:
    """An empty database for one test: a copy of the SQLite template, or PostgreSQL truncated."""
    if database_url.startswith("sqlite"):
        template = Path(database_url.removeprefix("sqlite:///"))
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    engine = create_engine(database_url)
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        # TRUNCATE, unlike DELETE, is allowed on the append-only audit table.
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return database_url


def make_test_app(database_url: str, tmp_path: Path, **overrides):
    """An app on the test database, with questionnaires, municipalities and historic waves."""
    config = {
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key",
        "SEAL_KEY": "test-secret-seal",
        "DATABASE_URL": fresh_database(database_url, tmp_path),
        "QUESTIONNAIRE_DIR": QUESTIONNAIRES,
        "RATELIMIT_STORAGE_URI": "memory://",
        "TOKEN_GUESS_LIMIT": "1000 per minute",
    }
    config.update(overrides)
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        session = get_session()
        ensure_municipalities(session)
        report = load_questionnaires(session, QUESTIONNAIRES)
        assert report.ok, report.refused
        ensure_historic_waves(session)
        session.commit()
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_PATTERN.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def open_wave(app, questionnaire="ledighedsydelse", key="test-open", days_open=(-1, 30),
              version=None):  # fmt: skip
    """Create a wave of ``questionnaire`` (the newest version unless ``version``) that is open
    now (or as ``days_open`` says)."""
    from datetime import timedelta

    from survey_app.models import utcnow
    from survey_app.waves import create_wave

    now = utcnow()
    with app.app_context():
        session = get_session()
        wave = create_wave(
            session,
            questionnaire,
            key,
            f"Test {key}",
            now + timedelta(days=days_open[0]),
            now + timedelta(days=days_open[1]),
            version=version,
        )
        session.commit()
        return wave.id


def invite(app, questionnaire="ledighedsydelse", wave="test-open", municipality="Aalborg",
           count=1, respondent_keys=None):  # fmt: skip
    """Create invitations and return their tokens."""
    from survey_app.invitations import create_invitations
    from survey_app.registry import find_municipality
    from survey_app.waves import find_wave

    with app.app_context():
        session = get_session()
        found = find_wave(session, questionnaire, wave)
        issued = create_invitations(
            session,
            found,
            find_municipality(session, municipality),
            count,
            "http://127.0.0.1:5000",
            respondent_keys=respondent_keys,
            now=found.opens_at,  # sent when the wave opened, so closed waves can be tested
        )
        session.commit()
        return [i.token for i in issued]


def database_at(tmp_path: Path, revision: str):
    """An SQLite engine on a database at an older migration, holding one questionnaire version
    (id 1), for testing what a later migration does to existing rows."""
    from alembic import command

    from survey_app.migrate import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.execute(
            text(
                "INSERT INTO questionnaire_version (id, key, version, title, audience, anonymous, "
                "repeated, fingerprint, definition, loaded_at) "
                "VALUES (1, 'k', 1, 't', 'caseworker', 1, 0, 'f', '{}', '2026-01-01')"
            )
        )
    return engine


def count_rows(app, model) -> int:
    """How many rows a table has."""
    from sqlalchemy import func, select

    with app.app_context():
        return get_session().execute(select(func.count()).select_from(model)).scalar_one()


PASSWORD = "correct horse battery staple"


def add_user(app, email, role, municipalities=()):
    """Create a staff user with the test password."""
    from survey_app.auth.users import create_user
    from survey_app.registry import find_municipality

    with app.app_context():
        session = get_session()
        places = [find_municipality(session, name) for name in municipalities]
        create_user(session, email, role, PASSWORD, places)
        session.commit()


def sign_in(client, email, password=PASSWORD):
    """Sign in through the real form; returns the response to the POST."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)},
    )


def signed_in_client(app, role, municipalities=(), email=None):
    """A test client signed in as a new user with ``role``."""
    email = email or f"{role}-{'-'.join(municipalities) or 'alle'}@example.dk".lower()
    add_user(app, email, role, municipalities)
    client = app.test_client()
    reply = sign_in(client, email)
    assert reply.status_code == 302, reply.text
    return client


def through_demo_data_and_erasures(app, erased_citizens, check, seal_key="test-secret-seal"):
    """Add demo data, erase ``erased_citizens``, replace the demo data, calling ``check(app)``
    after each step: the sequence that derived tables kept at submission must survive."""
    from survey_app.citizen_data import erase_citizen
    from survey_app.demo import create_demo_data, remove_demo_data

    steps = [
        lambda session: create_demo_data(session, 3, "http://x", seal_key),
        lambda session: [erase_citizen(session, key, seal_key=seal_key) for key in erased_citizens],
        lambda session: (
            remove_demo_data(session),
            create_demo_data(session, 4, "http://x", seal_key),
        ),
    ]
    for step in steps:
        with app.app_context():
            session = get_session()
            step(session)
            session.commit()
        check(app)
