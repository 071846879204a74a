"""How a request's transaction ends: what a view did not commit is rolled back, and a request
that only read ends with COMMIT (psycopg forgets its prepared statements at a ROLLBACK)."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from survey_app.db import get_session
from survey_app.models import Municipality, Response

from .conftest import csrf_token_from, invite, open_wave


def _endings(app) -> list[str]:
    """The COMMITs and ROLLBACKs the app's engine sends from now on, in order."""
    seen = []
    engine = app.extensions["db_engine"]
    event.listen(engine, "commit", lambda _connection: seen.append("commit"))
    event.listen(engine, "rollback", lambda _connection: seen.append("rollback"))
    return seen


def _municipality_names(app) -> set[str]:
    with app.app_context():
        return set(get_session().scalars(select(Municipality.name)))


def _add_routes(app) -> None:
    """Views that change something and never commit, one way each."""

    @app.get("/_test/core-insert")
    def core_insert():
        session = get_session()
        session.scalars(select(Municipality.name)).all()  # a query first
        session.execute(insert(Municipality).values(name="Ukommitteret", network="x"))
        return "ok"

    @app.get("/_test/with-insert")
    def with_insert():
        # A statement that writes although it does not start with INSERT.
        get_session().execute(
            text(
                "WITH named AS (SELECT 'Skjult' AS name) "
                "INSERT INTO municipality (name, network) SELECT name, 'x' FROM named"
            )
        )
        return "ok"

    @app.get("/_test/pending")
    def pending():
        session = get_session()
        session.scalars(select(Municipality.name)).all()
        session.add(Municipality(name="Ventende", network="x"))  # never flushed
        return "ok"

    @app.get("/_test/dirty")
    def dirty():
        session = get_session()
        municipality = session.scalars(select(Municipality).order_by(Municipality.id)).first()
        municipality.name = "Omdøbt"  # changed in memory, never flushed
        return "ok"

    @app.get("/_test/failed-query")
    def failed_query():
        session = get_session()
        session.scalars(select(Municipality.name)).all()
        with contextlib.suppress(DBAPIError):  # the view goes on, the transaction is spoilt
            session.execute(text("SELECT * FROM no_such_table"))
        return "ok"


@pytest.mark.parametrize("path", ["core-insert", "with-insert", "pending", "dirty"])
def test_what_a_view_did_not_commit_is_rolled_back(app, path):
    if path == "with-insert" and app.extensions["db_engine"].dialect.name == "sqlite":
        pytest.skip("Python's sqlite3 runs a statement starting with WITH outside a transaction")
    _add_routes(app)
    before = _municipality_names(app)
    endings = _endings(app)
    response = app.test_client().get(f"/_test/{path}")
    assert response.status_code == 200
    assert endings == ["rollback"]
    assert _municipality_names(app) == before


def test_a_request_whose_query_failed_is_rolled_back(app):
    _add_routes(app)
    endings = _endings(app)
    assert app.test_client().get("/_test/failed-query").status_code == 200
    assert endings == ["rollback"]


def test_a_link_page_that_only_reads_ends_with_commit(app, client):
    open_wave(app)
    token = invite(app)[0]
    endings = _endings(app)
    assert client.get(f"/s/{token}").status_code == 200
    assert endings == ["commit"]


def test_a_submission_commits_once_and_a_resend_only_reads(app, client):
    open_wave(app)
    token = invite(app)[0]
    form = {
        "csrf_token": csrf_token_from(client.get(f"/s/{token}").text),
        "action": "submit",
        "item-forenklet_sagsbehandling": "2",
        "item-kvalitet_revurdering": "3",
    }
    endings = _endings(app)
    assert client.post(f"/s/{token}", data=form).status_code == 303
    assert client.post(f"/s/{token}", data=form).status_code == 409
    assert endings == ["commit", "commit"]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Response)) == 1


def test_link_queries_stay_prepared_between_requests_on_postgresql(app, client):
    engine = app.extensions["db_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    open_wave(app)
    token = invite(app)[0]
    engine.dispose()  # one fresh pooled connection serves every request below
    for _ in range(8):  # psycopg prepares a statement at its sixth execution
        assert client.get(f"/s/{token}").status_code == 200
    with engine.connect() as connection:
        prepared = connection.execute(
            text("SELECT statement FROM pg_prepared_statements")
        ).scalars()
        assert any("FROM invitation" in statement for statement in prepared)
