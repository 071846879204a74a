"""Demo data: plausible, reproducible, marked as demo."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict

from sqlmodel import select

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.models import Invitation, Response
from tests.conftest import count_rows


def run(app, *args):
    return app.test_cli_runner().invoke(main, list(args))


def exported(app):
    result = run(app, "export")
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_data_covers_waves_municipalities_and_citizen_series(app):
    result = run(app, "demo-data", "--seed", "7")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(exported(app))))
    responses = defaultdict(set)
    for row in rows:
        responses[(row["questionnaire"], row["wave"], row["municipality"])].add(row["response_id"])
    for questionnaire, waves in {
        "ledighedsydelse": ("jan-2019", "sommer-2020"),
        "mentor": ("jan-2019", "forsoegsafslutning"),
    }.items():
        for wave in waves:
            places = {
                m: len(r) for (q, w, m), r in responses.items() if (q, w) == (questionnaire, wave)
            }
            assert len(places) >= 6 and {"Aalborg", "Thisted"} <= set(places)
            assert any(2 <= n <= 4 for n in places.values())
    citizen_place = {}
    per_citizen = defaultdict(set)
    for row in rows:
        if row["questionnaire"] == "en-plan":
            citizen_place[row["respondent_key"]] = row["municipality"]
            per_citizen[row["respondent_key"]].add(row["response_id"])
    assert all(3 <= len(ids) <= 5 for ids in per_citizen.values())
    per_place = Counter(citizen_place.values())
    assert len(per_place) >= 3 and min(per_place.values()) >= 10
    with app.app_context():
        session = get_session()
        assert all(r.is_demo for r in session.exec(select(Response)).all())
        assert all(i.is_demo for i in session.exec(select(Invitation)).all())
        invited = len(session.exec(select(Invitation)).all())
    # ledelsestilsyn cases are entered by management without an invitation, like tablet answers
    cases = {r["response_id"] for r in rows if r["questionnaire"] == "ledelsestilsyn"}
    assert len(cases) >= 20
    without_link = sum(len(v) for v in per_citizen.values()) + len(cases)
    assert invited >= count_rows(app, Response) - without_link


def test_same_seed_gives_the_same_data_and_refuses_to_double(app):
    assert run(app, "demo-data", "--seed", "3").exit_code == 0
    first = exported(app)
    again = run(app, "demo-data", "--seed", "3")
    assert again.exit_code != 0 and "already exists" in again.output
    assert run(app, "demo-data", "--seed", "3", "--replace").exit_code == 0
    assert exported(app) == first
    assert run(app, "demo-data", "--seed", "4", "--replace").exit_code == 0
    assert exported(app) != first


def test_demo_link_opens_a_survey(app):
    result = run(app, "demo-link")
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("http://127.0.0.1:5000/s/")
    page = app.test_client().get(url.removeprefix("http://127.0.0.1:5000"))
    assert page.status_code == 200 and "<fieldset" in page.get_data(as_text=True)


def test_setup_adds_demo_users_outside_production_and_they_can_sign_in(app):
    from tests.conftest import sign_in

    result = run(app, "setup")
    assert result.exit_code == 0, result.output
    assert "evaluator@demo.invalid (evaluator)" in result.output
    assert (
        sign_in(app.test_client(), "evaluator@demo.invalid", "demo-adgangskode").status_code == 302
    )
    again = run(app, "setup")
    assert again.exit_code == 0 and "demo users" not in again.output
