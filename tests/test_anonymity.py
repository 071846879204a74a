"""Anonymous responses cannot be tied to their invitation by anything stored (issue 9, finding 2).

The attacker reads every table and knows who got which link. The tests submit anonymous
responses in an order unlike the order the links were made, then try the attacks that worked
against the old design: joining rows on the transaction id that wrote them (PostgreSQL's xmin and
xmax), and matching invitations and responses by the order they were written in.
"""

from __future__ import annotations

import os
import random

import pytest
from sqlalchemy import text
from sqlmodel import select

from survey_app.answering.links import link_seal
from survey_app.auth.users import SignedInUser
from survey_app.db import get_session
from survey_app.migrate import upgrade_to_head
from survey_app.models import Answer, Invitation, LinkDraft, Response, SpentLink, User
from tests.conftest import add_user, count_rows, csrf_token_from, database_at, invite, open_wave

ANSWERS = {"item-forenklet_sagsbehandling": "4", "item-kvalitet_revurdering": "2"}
LINKS = 8

on_postgres = pytest.mark.skipif(
    not os.environ.get("SURVEY_APP_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row system columns are PostgreSQL's",
)


def _post(client, token, action, data):
    page = client.get(f"/s/{token}")
    form = dict(data, action=action, csrf_token=csrf_token_from(page.text))
    return client.post(f"/s/{token}", data=form)


def _response_ids(app) -> set[str]:
    with app.app_context():
        return set(get_session().exec(select(Response.id)).all())


def _answer_in_shuffled_order(app) -> dict[str, str]:
    """Make LINKS invitations, answer each (some after saving part-way) in an order unlike the
    order they were made in; returns which response id truly belongs to which token hash."""
    open_wave(app)
    tokens = invite(app, count=LINKS)
    client = app.test_client()
    truth = {}
    order = list(reversed(tokens))  # no link is answered in the place it was made
    for position, token in enumerate(order):
        if position % 2:
            assert (
                _post(client, token, "save", {"item-forenklet_sagsbehandling": "2"}).status_code
                == 200
            )
        before = _response_ids(app)
        assert _post(client, token, "submit", ANSWERS).status_code == 303
        [new] = _response_ids(app) - before
        truth[new] = _token_hash(app, token)
    return truth


def _token_hash(app, token):
    from survey_app.invitations import hash_token

    return hash_token(token)


def _invitation_system_columns(app):
    with app.app_context():
        return (
            get_session()
            .execute(text("SELECT id, xmin::text, xmax::text, ctid::text FROM invitation"))
            .all()
        )


@on_postgres
def test_using_a_link_leaves_its_invitation_row_untouched(app):
    open_wave(app)
    tokens = invite(app, count=3)
    before = _invitation_system_columns(app)
    client = app.test_client()
    assert (
        _post(client, tokens[1], "save", {"item-forenklet_sagsbehandling": "2"}).status_code == 200
    )
    assert _post(client, tokens[1], "submit", ANSWERS).status_code == 303
    assert _post(client, tokens[2], "submit", ANSWERS).status_code == 303
    assert _invitation_system_columns(app) == before


@on_postgres
def test_no_transaction_id_joins_a_response_to_its_invitation(app):
    truth = _answer_in_shuffled_order(app)
    assert len(truth) == LINKS
    with app.app_context():
        session = get_session()
        for other in ("response", "answer", "spent_link"):
            for column in ("xmin", "xmax"):
                joined = session.execute(
                    text(
                        f"SELECT count(*) FROM invitation i JOIN {other} r "
                        f"ON r.{column}::text = i.xmin::text OR r.{column}::text = i.xmax::text "
                        f"WHERE r.{column}::text <> '0'"
                    )
                ).scalar_one()
                assert joined == 0, f"{other}.{column} joins invitations"


@on_postgres
def test_ordering_attack_links_no_response_to_its_invitation(app):
    truth = _answer_in_shuffled_order(app)
    with app.app_context():
        session = get_session()
        invitations_by = {
            key: [
                row[0]
                for row in session.execute(
                    text(f"SELECT token_hash FROM invitation ORDER BY {key}")
                )
            ]
            for key in ("xmin::text::bigint", "ctid", "id", "created_at")
        }
        responses_by = {
            key: [
                row[0] for row in session.execute(text(f"SELECT id FROM response ORDER BY {key}"))
            ]
            for key in ("xmin::text::bigint", "ctid")
        }
        responses_by["first answer row"] = [
            row[0]
            for row in session.execute(
                text("SELECT response_id FROM answer GROUP BY response_id ORDER BY min(ctid)")
            )
        ]
    # The attack works on the response side (responses are written in submission order) ...
    assert responses_by["xmin::text::bigint"] == list(truth)
    # ... but the invitation side carries no trace of the order the links were used in.
    for invitation_key, invitations in invitations_by.items():
        for response_key, responses in responses_by.items():
            matched = sum(
                truth[response] == invitation
                for response, invitation in zip(responses, invitations, strict=True)
            )
            assert matched == 0, f"invitations by {invitation_key} ~ responses by {response_key}"


@on_postgres
def test_no_column_beside_an_anonymous_answer_keeps_submission_order(app):
    with app.app_context():
        rows = (
            get_session()
            .execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_name IN ('response', 'answer', 'spent_link') "
                    "AND column_default LIKE 'nextval%'"
                )
            )
            .all()
        )
    assert rows == []


def test_anonymous_response_keeps_only_the_date_and_no_serial_answer_id(app):
    truth = _answer_in_shuffled_order(app)
    with app.app_context():
        session = get_session()
        responses = session.exec(select(Response)).all()
        assert {r.id for r in responses} == set(truth)
        for response in responses:
            moment = response.submitted_at
            assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
            assert response.invitation_id is None
        assert not hasattr(Answer, "id")
        assert count_rows(app, Answer) == 2 * LINKS


def test_used_marks_are_sealed_with_the_configured_key(app):
    truth = _answer_in_shuffled_order(app)
    with app.app_context():
        seals = set(get_session().exec(select(SpentLink.seal)).all())
    hashes = set(truth.values())
    assert seals.isdisjoint(hashes)  # a reader cannot match a seal to a token hash
    assert seals == {link_seal("test-secret-seal", h) for h in hashes}
    assert count_rows(app, LinkDraft) == 0


def test_fieldwork_counts_come_from_the_sealed_marks(app):
    from survey_app.dashboards.fieldwork import fieldwork_rows

    open_wave(app)
    tokens = invite(app, count=5)
    client = app.test_client()
    assert _post(client, tokens[0], "submit", ANSWERS).status_code == 303
    assert (
        _post(client, tokens[1], "save", {"item-forenklet_sagsbehandling": "2"}).status_code == 200
    )
    assert (
        _post(client, tokens[2], "save", {"item-forenklet_sagsbehandling": "2"}).status_code == 200
    )
    assert _post(client, tokens[2], "submit", ANSWERS).status_code == 303

    add_user(app, "admin@example.dk", "admin")
    with app.app_context():
        session = get_session()
        admin = SignedInUser(session.exec(select(User)).one(), "session-key")
        [row] = [r for r in fieldwork_rows(session, admin) if r.wave.key == "test-open"]
    assert (row.invited, row.started, row.completed) == (5, 3, 2)


def test_migration_moves_used_links_and_drafts_under_their_seal(tmp_path):
    """A database from before the seals keeps its used links used and its drafts."""
    engine = database_at(tmp_path, "0003")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO municipality (id, name, network) VALUES (1, 'A', 'N')")
        )
        connection.execute(
            text(
                "INSERT INTO wave (id, questionnaire_version_id, key, title, opens_at, closes_at, "
                "is_demo) VALUES (1, 1, 'w', 'W', '2026-01-01', '2027-01-01', 0)"
            )
        )
        for n, (used, draft) in enumerate([(1, None), (0, '{"a": 1}'), (0, None)]):
            connection.execute(
                text(
                    "INSERT INTO invitation (token_hash, wave_id, municipality_id, created_at, "
                    "used, draft, draft_saved_at, is_demo) "
                    "VALUES (:h, 1, 1, '2026-01-01', :u, :d, '2026-01-02', 0)"
                ),
                {"h": f"hash-{n}", "u": used, "d": draft},
            )
    with pytest.raises(RuntimeError, match="seal key"):
        upgrade_to_head(engine)  # without the key nothing changes ...
    upgrade_to_head(engine, seal_key="k1")  # ... with it the state moves
    with engine.connect() as connection:
        spent = connection.execute(text("SELECT seal FROM spent_link")).scalars().all()
        drafts = connection.execute(text("SELECT seal, answers FROM link_draft")).all()
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(invitation)"))}
    assert spent == [link_seal("k1", "hash-0")]
    assert drafts == [(link_seal("k1", "hash-1"), '{"a": 1}')]
    assert not columns & {"used", "draft", "draft_saved_at"}
    engine.dispose()


def test_a_link_answered_is_answered_whatever_the_submission_order(app):
    """Random order, random saves: every link gives exactly one response, resends are refused."""
    open_wave(app)
    tokens = invite(app, count=6)
    rng = random.Random(9)
    client = app.test_client()
    for token in rng.sample(tokens, len(tokens)):
        form = dict(
            ANSWERS, action="submit", csrf_token=csrf_token_from(client.get(f"/s/{token}").text)
        )
        assert client.post(f"/s/{token}", data=form).status_code == 303
        assert client.post(f"/s/{token}", data=form).status_code == 409
    assert count_rows(app, Response) == 6
    assert count_rows(app, SpentLink) == 6
    with app.app_context():
        assert count_rows(app, Invitation) == 6
