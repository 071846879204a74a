"""Danish staff pages and Danish time (issue 10, point 7): wave titles instead of keys, Danish
names for methods, roles and audit actions, every time in Europe/Copenhagen, English formats
and titles on English pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from survey_app.db import get_session
from survey_app.formatting import date_text, datetime_text
from survey_app.models import Wave
from survey_app.reference_data import HISTORIC_WAVES
from survey_app.waves import create_wave, find_wave
from tests.conftest import database_at, invite, open_wave, signed_in_client
from tests.test_dashboards import COMPARE, answer_waves

# 21:59 UTC on the last day of August is one minute before midnight in Copenhagen (CEST, +2).
SUMMER_CLOSE = datetime(2020, 8, 31, 21, 59, tzinfo=UTC)


def test_times_are_shown_in_copenhagen_time_in_danish_and_english():
    assert datetime_text(SUMMER_CLOSE) == "31. august 2020 kl. 23:59"
    assert datetime_text(SUMMER_CLOSE, "en") == "31 August 2020 at 23:59"
    # Winter time is one hour ahead of UTC, and the date follows Danish time.
    assert datetime_text(datetime(2019, 1, 31, 23, 30, tzinfo=UTC)) == "1. februar 2019 kl. 00:30"
    assert date_text(datetime(2019, 1, 31, 23, 30, tzinfo=UTC)) == "1. februar 2019"
    assert date_text(datetime(2019, 1, 31, 23, 30, tzinfo=UTC), "en") == "1 February 2019"


def test_the_seeds_historic_waves_close_at_the_end_of_a_danish_day():
    summer = next(w for w in HISTORIC_WAVES if w.key == "sommer-2020")
    assert datetime_text(summer.closes_at) == "31. august 2020 kl. 23:59"
    assert datetime_text(summer.opens_at) == "1. juni 2020 kl. 00:00"
    assert summer.title_en == "Summer 2020"


def _closed_wave_link(app, title_en=None):
    """A link to a wave that closed at SUMMER_CLOSE."""
    with app.app_context():
        session = get_session()
        now = datetime.now(UTC)
        create_wave(session, "ledighedsydelse", "lukket", "Sommerrunden", now - timedelta(days=1),
                    now + timedelta(days=1), title_en=title_en)  # fmt: skip
        session.commit()
    token = invite(app, wave="lukket")[0]
    with app.app_context():
        session = get_session()
        wave = find_wave(session, "ledighedsydelse", "lukket")
        wave.opens_at, wave.closes_at = SUMMER_CLOSE - timedelta(days=90), SUMMER_CLOSE
        session.add(wave)
        session.commit()
    return token


def test_a_closed_wave_says_when_it_closed_in_danish_time(app):
    token = _closed_wave_link(app, title_en="The summer round")
    danish = app.test_client().get(f"/s/{token}").text
    assert "31. august 2020 kl. 23:59" in danish and "21:59" not in danish
    assert "Sommerrunden" in danish
    english = app.test_client().get(f"/s/{token}?lang=en").text
    assert "31 August 2020 at 23:59" in english and "august 2020 kl." not in english
    assert "The summer round" in english and "Sommerrunden" not in english


def test_a_wave_without_english_title_is_marked_danish_on_english_pages(app):
    token = _closed_wave_link(app)
    english = app.test_client().get(f"/s/{token}?lang=en").text
    assert '<span lang="da">Sommerrunden</span>' in english


def test_the_front_page_comes_in_english(client):
    danish = client.get("/").text
    assert "Spørgeskemaer til evaluering af frikommuneforsøg" in danish
    english = client.get("/?lang=en").text
    assert "Questionnaires for the evaluation of the free-municipality trials" in english
    assert "Spørgeskemaer til evaluering" not in english
    assert '<html lang="en">' in english


def test_comparison_names_waves_by_title_and_methods_in_danish(app):
    open_wave(app, key="runde-a")
    open_wave(app, key="runde-b")
    answer_waves(app, "Aalborg", ["1", "1", "2", "1", "2", "1"], ["5", "4", "5", "5", "4", "5"])
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    assert "svarene i „Test runde-b“ ligger højere end i „Test runde-a“" in page
    assert "(eksakt)" in page and "(exact)" not in page
    assert "svarene i runde-b" not in page


def test_staff_pages_name_roles_actions_and_outcomes_in_danish(app):
    coordinator = signed_in_client(app, "coordinator", ("Aalborg",))
    assert "(koordinator)" in coordinator.get("/dashboard/").text
    assert coordinator.get("/admin/audit").status_code == 403
    admin = signed_in_client(app, "admin")
    page = admin.get("/admin/audit").text
    assert "(administrator)" in page
    for danish in ("Log ind", "Feltarbejde vist", "Adgang nægtet", "Afvist"):
        assert f">{danish}<" in page, danish
    for code in (">sign_in<", ">view_fieldwork<", ">access_denied<", ">denied<"):
        assert code not in page, code
    # The filter still works on the stored code.
    assert 'value="sign_in"' in page


def test_the_audit_log_shows_danish_time_and_filters_by_danish_days(app):
    admin = signed_in_client(app, "admin")
    with app.app_context():
        from survey_app.models import AuditEvent

        session = get_session()
        # 22:30 UTC on 31 August is 00:30 on 1 September in Copenhagen.
        session.add(AuditEvent(actor="x@example.dk", action="sign_in", target="t",
                               at=datetime(2020, 8, 31, 22, 30, tzinfo=UTC)))  # fmt: skip
        session.commit()
    page = admin.get("/admin/audit?actor=x@example.dk&from=2020-09-01&to=2020-09-01").text
    assert "1. september 2020 kl. 00:30" in page and "1 hændelser" in page
    page = admin.get("/admin/audit?actor=x@example.dk&from=2020-08-31&to=2020-08-31").text
    assert "0 hændelser" in page


def test_the_fieldwork_monitor_shows_wave_titles_and_times(app):
    open_wave(app, key="runde-a")
    invite(app, wave="runde-a", count=3)
    with app.app_context():
        session = get_session()
        wave = find_wave(session, "ledighedsydelse", "runde-a")
        wave.closes_at = SUMMER_CLOSE
        session.add(wave)
        session.commit()
    page = signed_in_client(app, "evaluator").get("/dashboard/").text
    assert "Test runde-a" in page and "31. august 2020 kl. 23:59" in page
    assert ">runde-a<" not in page


def test_wave_title_in_language():
    wave = Wave(questionnaire_version_id=1, key="k", title="Sommer", title_en="Summer",
                opens_at=SUMMER_CLOSE, closes_at=SUMMER_CLOSE)  # fmt: skip
    assert wave.title_in("en") == "Summer" and wave.title_in("da") == "Sommer"
    wave.title_en = None
    assert wave.title_in("en") == "Sommer"


def test_migration_0005_adds_english_titles_to_the_seeds_waves_only(tmp_path):
    from sqlalchemy import text

    from survey_app.migrate import upgrade_to_head

    engine = database_at(tmp_path, "0004")
    with engine.begin() as connection:
        for key, title in (("sommer-2020", "Sommer 2020"), ("egen", "Egen runde")):
            connection.execute(
                text(
                    "INSERT INTO wave (questionnaire_version_id, key, title, opens_at, "
                    "closes_at, is_demo) VALUES (1, :k, :t, '2026-01-01', '2027-01-01', 0)"
                ),
                {"k": key, "t": title},
            )
    upgrade_to_head(engine, seal_key="k1")
    with engine.connect() as connection:
        titles = dict(connection.execute(text("SELECT key, title_en FROM wave")).all())
    assert titles == {"sommer-2020": "Summer 2020", "egen": None}
    engine.dispose()
