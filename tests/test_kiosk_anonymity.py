"""Anonymous answers given on the tablet cannot be tied to the tablet session, the caseworker
who handed it over, or the time of day, by anything stored.

The attacker reads every table (but not the configuration's secrets) and knows which
caseworkers used the tablet that day and in which order they started. Three caseworkers start
anonymous sessions in the order A, B, C; the citizens send in the order C, A, B, so that no
answer is sent in the place its session was started. The tests then try what a database reader
would: a column pointing from the session or the caseworker to the response, the row's
transaction ids (PostgreSQL's xmin/xmax) shared with the response, and matching the order of
rows on the caseworker side against the order the responses were written in.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import KioskSession, Response
from tests.conftest import count_rows, signed_in_client
from tests.test_kiosk_anonymous import answer_every_screen, send, start_anonymous

CASEWORKERS = ("a", "b", "c")
SEND_ORDER = ("c", "a", "b")  # nobody sends in the place they started

on_postgres = pytest.mark.skipif(
    not os.environ.get("SURVEY_APP_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row system columns are PostgreSQL's",
)


def _response_ids(app) -> set[str]:
    with app.app_context():
        return set(get_session().exec(select(Response.id)).all())


def _tablet_day(app) -> dict[str, str]:
    """Start in order A, B, C, answer and send in order C, A, B; returns which response id truly
    came from which caseworker's session (by e-mail)."""
    tablets = {}
    for name in CASEWORKERS:
        client = signed_in_client(app, "caseworker", ["Furesø"], email=f"{name}@example.dk")
        assert start_anonymous(client).status_code == 302
        tablets[name] = client
    occasions = {name: answer_every_screen(tablets[name], "3") for name in CASEWORKERS}
    truth = {}
    for name in SEND_ORDER:
        before = _response_ids(app)
        assert send(tablets[name], *occasions[name]).status_code == 302
        [new] = _response_ids(app) - before
        truth[new] = f"{name}@example.dk"
    return truth


def test_nothing_stored_points_from_the_session_or_caseworker_to_the_answer(app):
    truth = _tablet_day(app)
    with app.app_context():
        session = get_session()
        assert count_rows(app, KioskSession) == 0  # every session row went with its send
        for response in session.exec(select(Response)).all():
            assert response.id in truth
            assert response.respondent_key is None and response.submission_key is None
            assert response.invitation_id is None
            moment = response.submitted_at
            assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
        # No stored text anywhere names a response id: scan every text column of every table.
        found = []
        for table, column in _text_columns(session):
            for response_id in truth:
                hit = session.execute(
                    text(f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) = :r'),
                    {"r": response_id},
                ).scalar_one()
                if hit and (table, column) not in {("response", "id"), ("answer", "response_id")}:
                    found.append((table, column))
        assert found == []
        kiosk_audit = session.execute(
            text("SELECT count(*) FROM audit_event WHERE action LIKE 'kiosk%'")
        ).scalar_one()
        assert kiosk_audit == 0


def _text_columns(session):
    from sqlalchemy import String, Text
    from sqlmodel import SQLModel

    return [
        (table.name, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text)
    ]


@on_postgres
def test_no_transaction_id_joins_an_answer_to_the_caseworker_side(app):
    _tablet_day(app)
    with app.app_context():
        session = get_session()
        for other in ("login_session", "audit_event", "app_user", "kiosk_session", "citizen"):
            for mine in ("response", "answer"):
                joined = session.execute(
                    text(
                        f"SELECT count(*) FROM {mine} r JOIN {other} o "
                        f"ON r.xmin::text = o.xmin::text OR r.xmin::text = o.xmax::text"
                    )
                ).scalar_one()
                assert joined == 0, f"{mine} shares a transaction with {other}"


@on_postgres
def test_ordering_attack_links_no_answer_to_its_caseworker(app):
    truth = _tablet_day(app)
    with app.app_context():
        session = get_session()
        caseworker_side = {
            f"login_session by {key}": [
                row[0]
                for row in session.execute(
                    text(
                        "SELECT u.email FROM login_session l JOIN app_user u ON u.id = l.user_id "
                        f"WHERE u.email IN ('a@example.dk', 'b@example.dk', 'c@example.dk') "
                        f"ORDER BY {key}"
                    )
                )
            ]
            for key in ("l.xmin::text::bigint", "l.ctid", "l.ended_at", "l.last_seen_at")
        }
        caseworker_side["audit_event by id"] = list(
            dict.fromkeys(
                row[0]
                for row in session.execute(
                    text(
                        "SELECT actor FROM audit_event WHERE actor IN "
                        "('a@example.dk', 'b@example.dk', 'c@example.dk') ORDER BY id"
                    )
                )
            )
        )  # each caseworker where they first appear
        responses_by = {
            key: [
                row[0] for row in session.execute(text(f"SELECT id FROM response ORDER BY {key}"))
            ]
            for key in ("xmin::text::bigint", "ctid")
        }
    assert responses_by["xmin::text::bigint"] == list(truth)  # the response side keeps order ...
    for side, caseworkers in caseworker_side.items():  # ... the caseworker side does not
        assert caseworkers, side
        for key, responses in responses_by.items():
            matched = sum(
                truth[response] == caseworker
                for response, caseworker in zip(responses, caseworkers, strict=False)
            )
            assert matched == 0, f"{side} ~ responses by {key}"
