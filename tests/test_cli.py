"""The survey-app command line against a real database."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from sqlmodel import select

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.invitations import hash_token
from survey_app.models import Invitation, QuestionnaireVersion, Wave
from tests.conftest import QUESTIONNAIRES, count_rows, open_wave


def run(app, *args):
    """Invoke ``survey-app ARGS`` on the test app; output holds stdout and stderr."""
    return app.test_cli_runner().invoke(main, list(args))


@pytest.fixture
def questionnaire_copy(tmp_path):
    target = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, target)
    return target


def test_reloading_unchanged_files_changes_nothing(app):
    before = count_rows(app, QuestionnaireVersion)
    result = run(app, "load-questionnaires", str(QUESTIONNAIRES))
    assert result.exit_code == 0, result.output
    assert "unchanged  ledighedsydelse v1" in result.output
    assert "added" not in result.output
    assert count_rows(app, QuestionnaireVersion) == before


def test_changed_content_under_same_version_is_refused(app, questionnaire_copy):
    path = questionnaire_copy / "ledighedsydelse.v1.yaml"
    path.write_text(path.read_text().replace('"I høj grad"', '"I meget høj grad"'))
    result = run(app, "load-questionnaires", str(questionnaire_copy))
    assert result.exit_code == 1
    assert "ledighedsydelse v1 is already stored with different content" in result.output
    assert "publish the change as a new version" in result.output
    assert "ledighedsydelse.v2.yaml" in result.output
    with app.app_context():
        stored = (
            get_session()
            .exec(select(QuestionnaireVersion).where(QuestionnaireVersion.key == "ledighedsydelse"))
            .all()
        )
    assert len(stored) == 1 and "I meget høj grad" not in stored[0].definition


def test_layout_only_changes_are_not_content_changes(app, questionnaire_copy):
    path = questionnaire_copy / "ledighedsydelse.v1.yaml"
    path.write_text("# a new comment\n" + path.read_text().replace("\nitems:", "\n\nitems:"))
    result = run(app, "load-questionnaires", str(questionnaire_copy))
    assert result.exit_code == 0, result.output
    assert "unchanged  ledighedsydelse v1" in result.output


def test_new_version_lives_beside_the_old_and_versions_lists_comparable_items(
    app, questionnaire_copy
):
    old = (questionnaire_copy / "ledighedsydelse.v1.yaml").read_text()
    new = old.replace("version: 1", "version: 2").replace(
        "forenklet sagsbehandlingen på området?", "gjort sagsbehandlingen enklere?"
    )
    (questionnaire_copy / "ledighedsydelse.v2.yaml").write_text(new)
    result = run(app, "load-questionnaires", str(questionnaire_copy))
    assert result.exit_code == 0, result.output
    assert "added      ledighedsydelse v2" in result.output
    listing = run(app, "versions", "ledighedsydelse")
    assert listing.exit_code == 0
    assert "ledighedsydelse v1" in listing.output and "ledighedsydelse v2" in listing.output
    assert "identical (comparable across waves): kvalitet_revurdering" in listing.output
    assert "changed (not comparable): forenklet_sagsbehandling" in listing.output


def test_versions_of_unknown_questionnaire_fails(app):
    result = run(app, "versions", "findes-ikke")
    assert result.exit_code != 0
    assert "no versions of questionnaire 'findes-ikke'" in result.output


def test_check_questionnaires_passes_on_the_shipped_files(app):
    result = run(app, "check-questionnaires", str(QUESTIONNAIRES))
    assert result.exit_code == 0, result.output
    assert "ok  en-plan v1" in result.output
    # issue 11's instruments
    for line in ("ok  mentor v2 (3 items)", "ok  ledelsestilsyn v2 (5 items)",
                 "ok  revalidering v2 (7 items)", "ok  ressourceforloeb-tilsyn v1 (5 items)",
                 "ok  mentor-sagsgennemgang v1 (3 items)"):  # fmt: skip
        assert line in result.output.splitlines()


def test_check_questionnaires_fails_naming_file_and_field(app, questionnaire_copy):
    path = questionnaire_copy / "mentor.v1.yaml"
    path.write_text(path.read_text().replace("scale:", "skala:", 1))
    result = run(app, "check-questionnaires", str(questionnaire_copy))
    assert result.exit_code == 1
    assert "mentor.v1.yaml" in result.output
    assert "skala: unknown field" in result.output


def test_create_wave_and_refusals(app):
    ok = run(
        app, "create-wave", "--questionnaire", "mentor", "--wave", "efteraar-2026",
        "--title", "Efterår 2026", "--opens", "2026-09-01", "--closes", "2026-10-01T12:00:00+02:00",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        wave = get_session().exec(select(Wave).where(Wave.key == "efteraar-2026")).one()
    assert wave.closes_at.hour == 10  # stored in UTC
    duplicate = run(
        app, "create-wave", "--questionnaire", "mentor", "--wave", "efteraar-2026",
        "--title", "Igen", "--opens", "2026-09-01", "--closes", "2026-10-01",
    )  # fmt: skip
    assert duplicate.exit_code != 0 and "already has a wave" in duplicate.output
    backwards = run(
        app, "create-wave", "--questionnaire", "mentor", "--wave", "x",
        "--title", "X", "--opens", "2026-10-01", "--closes", "2026-09-01",
    )  # fmt: skip
    assert backwards.exit_code != 0 and "closes must be after opens" in backwards.output
    bad_date = run(
        app, "create-wave", "--questionnaire", "mentor", "--wave", "y",
        "--title", "Y", "--opens", "1. september", "--closes", "2026-09-01",
    )  # fmt: skip
    assert bad_date.exit_code != 0 and "not an ISO 8601" in bad_date.output
    unknown = run(
        app, "create-wave", "--questionnaire", "findes-ikke", "--wave", "z",
        "--title", "Z", "--opens", "2026-09-01", "--closes", "2026-10-01",
    )  # fmt: skip
    assert unknown.exit_code != 0 and "is not loaded" in unknown.output


def test_seed_waves_carry_their_historic_dates(app):
    from survey_app.formatting import local_time

    with app.app_context():
        # The seed's dates are Danish dates.
        waves = {
            (w.key, local_time(w.opens_at).year, local_time(w.opens_at).month)
            for w in get_session().exec(select(Wave)).all()
        }
    assert ("jan-2019", 2019, 1) in waves
    assert ("sommer-2020", 2020, 6) in waves
    # seed 004: the trials were extended to the end of 2022
    assert ("forsoegsafslutning", 2022, 11) in waves
    assert ("forsoegsafslutning", 2021, 11) not in waves
    # seed 003: the resource-course supervision once a year, July 2019 to July 2021
    assert {("juli-2019", 2019, 7), ("juli-2020", 2020, 7), ("juli-2021", 2021, 7)} <= waves


def test_historic_waves_are_on_version_1_of_their_questionnaires(app):
    with app.app_context():
        query = select(Wave.key, QuestionnaireVersion.key, QuestionnaireVersion.version)
        rows = get_session().exec(query.join(QuestionnaireVersion)).all()
    assert {(q, w) for w, q, _ in rows} == {
        ("ledighedsydelse", "jan-2019"), ("ledighedsydelse", "sommer-2020"),
        ("mentor", "jan-2019"), ("mentor", "forsoegsafslutning"), ("revalidering", "jan-2019"),
        ("ressourceforloeb-tilsyn", "juli-2019"), ("ressourceforloeb-tilsyn", "juli-2020"),
        ("ressourceforloeb-tilsyn", "juli-2021"), ("mentor-sagsgennemgang", "forsoegsafslutning"),
    }  # fmt: skip
    assert {version for _, _, version in rows} == {1}


def test_versions_mentor_shows_which_items_stay_comparable_and_why_not(app):
    listing = run(app, "versions", "mentor")
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert "  identical (comparable across waves): brug_fleksibelt_tilbud" in lines
    assert (
        "  changed (not comparable): forenklet_kontaktforloeb, kvalitet_fleksibelt_tilbud" in lines
    )
    assert (
        "    forenklet_kontaktforloeb: help, options, show_if changed "
        "(v2: shown if brug_fleksibelt_tilbud != 1)" in lines
    )
    assert (
        "    kvalitet_fleksibelt_tilbud: help, show_if changed "
        "(v2: shown if brug_fleksibelt_tilbud != 1)" in lines
    )


def test_versions_revalidering_lists_the_open_follow_ups_as_added(app):
    listing = run(app, "versions", "revalidering")
    assert listing.exit_code == 0, listing.output
    assert "  changed (not comparable): -" in listing.output
    assert "egen_laege_hvordan (text, shown if egen_laege_inddrages_om >= 2)" in listing.output
    assert "muligheder_barrierer (text)" in listing.output
    assert "  removed: egen_laege_inddrages_hvordan\n" in listing.output


def test_versions_ledelsestilsyn_keeps_only_check_1_comparable(app):
    listing = run(app, "versions", "ledelsestilsyn")
    assert "  identical (comparable across waves): afgjort_uden_lae265\n" in listing.output
    assert "    lae265_grundet_tvivl: show_if changed (v2: shown if afgjort_uden_lae265 == 2)" in (
        listing.output
    )


def test_invite_writes_token_url_csv_and_stores_only_hashes(app):
    open_wave(app)
    result = run(
        app, "invite", "--questionnaire", "ledighedsydelse", "--wave", "test-open",
        "--municipality", "Thisted", "--count", "3", "--base-url", "https://survey.example.dk/",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0].keys()) == ["token", "url"]
    assert len(rows) == 3
    for row in rows:
        assert len(row["token"]) >= 22  # at least 128 random bits in URL-safe base64
        assert row["url"] == f"https://survey.example.dk/s/{row['token']}"
    with app.app_context():
        stored = get_session().exec(select(Invitation.token_hash)).all()
    assert sorted(stored) == sorted(hash_token(r["token"]) for r in rows)
    assert not {r["token"] for r in rows} & set(stored)


def test_invite_default_base_url_and_refusals(app):
    open_wave(app, questionnaire="mentor", key="test-open")
    ok = run(
        app, "invite", "--questionnaire", "mentor", "--wave", "test-open",
        "--municipality", "aalborg", "--count", "1",
    )  # fmt: skip
    assert ok.exit_code == 0 and "http://127.0.0.1:5000/s/" in ok.output
    unknown_place = run(
        app, "invite", "--questionnaire", "mentor", "--wave", "jan-2019",
        "--municipality", "Odense", "--count", "1",
    )  # fmt: skip
    assert unknown_place.exit_code != 0 and "unknown municipality 'Odense'" in unknown_place.output
    unknown_wave = run(
        app, "invite", "--questionnaire", "mentor", "--wave", "sommer-2020",
        "--municipality", "Aalborg", "--count", "1",
    )  # fmt: skip
    assert unknown_wave.exit_code != 0 and "has no wave 'sommer-2020'" in unknown_wave.output
    zero = run(
        app, "invite", "--questionnaire", "mentor", "--wave", "test-open",
        "--municipality", "Aalborg", "--count", "0",
    )  # fmt: skip
    assert zero.exit_code != 0 and "count must be between" in zero.output
    assert count_rows(app, Invitation) == 1


def test_invite_refuses_a_closed_wave_and_allows_a_future_one(app):
    closed = run(
        app, "invite", "--questionnaire", "mentor", "--wave", "jan-2019",
        "--municipality", "Aalborg", "--count", "2",
    )  # fmt: skip
    assert closed.exit_code != 0
    assert "wave 'jan-2019' closed" in closed.output and "open and future waves" in closed.output
    assert "token,url" not in closed.output
    assert count_rows(app, Invitation) == 0
    open_wave(app, questionnaire="mentor", key="later", days_open=(5, 30))
    future = run(
        app, "invite", "--questionnaire", "mentor", "--wave", "later",
        "--municipality", "Aalborg", "--count", "2",
    )  # fmt: skip
    assert future.exit_code == 0 and count_rows(app, Invitation) == 2


def test_init_db_creates_schema_on_an_empty_database(tmp_path):
    from survey_app import create_app

    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        }
    )
    first = app.test_cli_runner().invoke(main, ["init-db"])
    assert first.exit_code == 0, first.output
    assert "20 municipalities added" in first.output
    again = app.test_cli_runner().invoke(main, ["init-db"])
    assert again.exit_code == 0 and "0 municipalities added" in again.output
    app.extensions["db_engine"].dispose()
