"""Spreadsheet formula injection: every CSV goes through one writer that makes formula-like cells
inert, wave keys follow one pattern, and invitation tokens never look like a formula."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update
from sqlmodel import select

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.export import SPREADSHEET_TRIGGERS, csv_chunks
from survey_app.invitations import new_token
from survey_app.models import Wave
from survey_app.waves import WaveError, create_wave
from tests.conftest import open_wave, signed_in_client
from tests.test_dashboards import answer_waves


def test_the_csv_writer_makes_every_formula_like_cell_inert():
    rows = [["-A1", "=1+1", "+1", "@SUM(A1)", "\tx", "Aalborg", 3, None, ""]]
    text = "".join(csv_chunks(rows, ["a", "b", "c", "d", "e", "f", "g", "h", "i"]))
    [row] = list(csv.reader(io.StringIO(text)))[1:]
    assert row == ["'-A1", "'=1+1", "'+1", "'@SUM(A1)", "'\tx", "Aalborg", "3", "", ""]


def test_counts_csv_makes_a_formula_like_wave_key_inert(app):
    open_wave(app, key="runde-a")
    open_wave(app, key="runde-b")
    answer_waves(app, "Aalborg", ["1"] * 5, ["5"] * 5)
    with app.app_context():  # a wave stored before wave keys had to follow the pattern
        session = get_session()
        session.execute(update(Wave).where(Wave.key == "runde-a").values(key="-A1"))
        session.commit()
    client = signed_in_client(app, "evaluator")
    reply = client.get("/dashboard/compare/ledighedsydelse/-A1/runde-b/counts.csv")
    assert reply.status_code == 200
    rows = list(csv.reader(io.StringIO(reply.text)))
    waves = {row[2] for row in rows[1:]}
    assert waves == {"'-A1", "runde-b"}
    assert not [cell for row in rows for cell in row if cell.startswith(SPREADSHEET_TRIGGERS)]


@pytest.mark.parametrize(
    "key", ["-A1", "=1+1", "+x", "@x", "Jan-2019", "jan_2019", "jan 2019", "-", "", "a" * 61]
)
def test_a_wave_key_outside_the_pattern_is_refused(app, key):
    with app.app_context():
        session = get_session()
        with pytest.raises(WaveError, match="Bølgenøglen"):
            create_wave(session, "mentor", key, "T", *_open_dates())
        session.rollback()
        assert session.exec(select(Wave).where(Wave.key == key)).all() == []


def test_create_wave_on_the_command_line_refuses_a_formula_like_key(app):
    result = app.test_cli_runner().invoke(
        main,
        ["create-wave", "--questionnaire", "mentor", "--wave=-A1", "--title", "X",
         "--opens", "2026-09-01", "--closes", "2026-10-01"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "Bølgenøglen '-A1'" in result.output and "små bogstaver" in result.output
    with app.app_context():
        assert get_session().exec(select(Wave).where(Wave.key == "-A1")).all() == []


def test_good_wave_keys_are_accepted(app):
    with app.app_context():
        session = get_session()
        for key in ("efteraar-2026", "2027", "a", "x" * 60):
            assert create_wave(session, "mentor", key, "T", *_open_dates()).key == key
        session.rollback()


def test_tokens_never_start_with_a_formula_character():
    tokens = [new_token() for _ in range(5000)]
    assert not [t for t in tokens if t.startswith(SPREADSHEET_TRIGGERS)]
    assert all(len(t) == 32 for t in tokens) and len(set(tokens)) == len(tokens)


def test_invitation_csv_from_the_command_line_is_exact(app):
    open_wave(app)
    result = app.test_cli_runner().invoke(
        main,
        ["invite", "--questionnaire", "ledighedsydelse", "--wave", "test-open",
         "--municipality", "Aalborg", "--count", "300"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["token", "url"] and len(rows) == 301
    for token, url in rows[1:]:
        assert url == f"http://127.0.0.1:5000/s/{token}" and not token.startswith("'")


def _open_dates():
    from datetime import timedelta

    from survey_app.models import utcnow

    now = utcnow()
    return now, now + timedelta(days=1)
