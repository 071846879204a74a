"""Open answers on the dashboards: only on the evaluators' "Åbne svar" page, never in the
comparison, its charts or counts.csv; small groups hidden; every view audited."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import AuditEvent
from tests.conftest import signed_in_client
from tests.open_answers.data import KEY, add_response, answered, load

PAGE = f"/dashboard/open-answers/{KEY}/r1"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def data(app):
    """Aalborg: 6 responses in r1 (one with markup), 6 in r2; Thisted: 2 in r1 (below 5)."""
    load(app)
    for n in range(6):
        text = SCRIPT if n == 0 else f"Aalborg-tekst {n}"
        add_response(app, "r1", "Aalborg", answered(1 if n < 3 else 2, text=text))
        add_response(app, "r2", "Aalborg", answered(1, text=f"Anden runde {n}"))
    for n in range(2):
        add_response(app, "r1", "Thisted", answered(1, text=f"Thisted-hemmelighed {n}"))
    return app


def events(app, action):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return get_session().exec(query).all()


@pytest.mark.parametrize("role", ["evaluator", "admin"])
def test_evaluator_and_admin_read_open_answers_escaped_and_audited(data, role):
    client = signed_in_client(data, role)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.text
    assert "Aalborg-tekst 1" in html and "Sygedagpenge" in html
    assert '<td class="open-answer">2,5</td>' in html  # a number with the Danish comma
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Anden runde" not in html  # another wave
    [event] = events(data, "view_open_answers")
    assert event.target == f"{KEY}/r1 side 1" and event.outcome == "ok"
    index = client.get("/dashboard/open-answers/")
    assert index.status_code == 200 and PAGE in index.text
    assert len(events(data, "view_open_answers_index")) == 1
    assert 'href="/dashboard/open-answers/"' in client.get("/dashboard/").text


def test_a_municipality_below_the_threshold_is_hidden(data):
    client = signed_in_client(data, "evaluator")
    html = client.get(PAGE).text
    assert "Thisted-hemmelighed" not in html
    assert "Skjult (færre end 5 besvarelser): Thisted." in html
    one = client.get(PAGE + "?municipality=Thisted").text
    assert "Thisted-hemmelighed" not in one and "Ingen åbne svar at vise" in one
    assert events(data, "view_open_answers")[-1].municipality == "Thisted"


@pytest.mark.parametrize("role", ["coordinator", "caseworker"])
@pytest.mark.parametrize("url", [PAGE, "/dashboard/open-answers/", PAGE + "?page=2"])
def test_coordinator_and_caseworker_cannot_reach_open_answers(data, role, url):
    client = signed_in_client(data, role, ["Aalborg"])
    reply = client.get(url)
    assert reply.status_code == 403 and "Ingen adgang" in reply.text
    assert "Aalborg-tekst" not in reply.text
    [denied] = events(data, "access_denied")
    assert denied.outcome == "denied" and denied.actor.startswith(role)
    assert 'href="/dashboard/open-answers/"' not in client.get("/dashboard/").text


def test_open_answers_never_reach_the_comparison_or_counts_csv(data):
    roles = (("evaluator", []), ("coordinator", ["Aalborg"]), ("caseworker", ["Aalborg"]))
    for role, places in roles:
        client = signed_in_client(data, role, places)
        page = client.get(f"/dashboard/compare/{KEY}/r1/r2")
        assert page.status_code == 200
        assert "Aalborg-tekst" not in page.text and "Sygedagpenge" not in page.text
        assert "Beskriv forløbet" not in page.text and "Var mentoren til hjælp?" in page.text
        counts = client.get(f"/dashboard/compare/{KEY}/r1/r2/counts.csv")
        items = {line.split(",")[0] for line in counts.text.strip().splitlines()[1:]}
        assert items == {"brugt", "tilfreds"}  # no open item, identifying or not
        assert "Aalborg-tekst" not in counts.text


def test_open_answers_page_by_page(app):
    load(app)
    for n in range(20):  # 20 responses x 3 open answers = 60 answers, 50 a page
        add_response(app, "r1", "Aalborg", answered(1, text=f"svar-{n:02d}"))
    client = signed_in_client(app, "evaluator")
    first = client.get(PAGE).text
    assert "60 svar, side 1 af 2" in first and "Næste side" in first and "Forrige side" not in first
    second = client.get(PAGE + "?page=2").text
    assert "side 2 af 2" in second and "Forrige side" in second
    shown = [f"svar-{n:02d}" for n in range(20)]
    assert all(s in first for s in shown)  # the texts come first (item order)
    assert first.count("Sygedagpenge") + second.count("Sygedagpenge") == 20
    assert client.get(PAGE + "?page=0").status_code == 404
    assert client.get(PAGE + "?page=x").status_code == 404


@pytest.mark.parametrize(
    "url",
    [f"/dashboard/open-answers/{KEY}/findes-ikke", "/dashboard/open-answers/findes-ikke/r1",
     PAGE + "?municipality=Atlantis"],
)  # fmt: skip
def test_unknown_things_are_404(data, url):
    assert signed_in_client(data, "evaluator").get(url).status_code == 404


def test_a_wave_without_open_items_says_so(app):
    client = signed_in_client(app, "evaluator")
    reply = client.get("/dashboard/open-answers/ledighedsydelse/jan-2019")
    assert reply.status_code == 200 and "ingen tekst- eller talspørgsmål" in reply.text
