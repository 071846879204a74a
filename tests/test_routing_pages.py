"""Routing, text and number answers through the link pages and the tablet (Flask test client):
hidden items stored as ikke_relevant, the server-side re-render without JavaScript,
corrections that store nothing, drafts that keep texts and numbers, the tablet skipping."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import Answer, KioskSession, LinkDraft, Response
from tests.conftest import count_rows, csrf_token_from, signed_in_client
from tests.routing_fixture import TABLET_KEY, load_routed_questionnaire, routed_token

PIN = "2468"


@pytest.fixture
def token(app, tmp_path):
    return routed_token(app, tmp_path)


def page_of(client, token):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def send(client, token, fields, action="submit", shown=None):
    html = page_of(client, token)
    if shown is None:
        shown = re.search(r'name="shown" value="([^"]*)"', html).group(1)
    data = {f"item-{k}": v for k, v in fields.items()}
    data.update(action=action, csrf_token=csrf_token_from(html), shown=shown)
    return client.post(f"/s/{token}", data=data)


def stored(app) -> dict:
    with app.app_context():
        rows = get_session().exec(select(Answer)).all()
        return {a.item_key: (a.value, a.text_value, a.missing) for a in rows}


def shown_fieldsets(html) -> list[str]:
    """The items whose fieldset is not hidden."""
    found = re.findall(r'<fieldset class="question[^"]*" id="q-([a-z_]+)"(.*?)>', html, re.S)
    return [key for key, attributes in found if "hidden disabled" not in attributes]


def test_first_page_shows_only_unrouted_items_and_gives_open_inputs_labels(client, token):
    html = page_of(client, token)
    assert shown_fieldsets(html) == ["brugt", "titel", "tilfreds"]
    assert '<label for="item-titel" class="question-text">' in html
    assert re.search(
        r'<input class="text-answer" type="text" id="item-titel"[^>]*maxlength="40"', html
    )
    assert re.search(
        r'<textarea class="text-answer" id="item-hvorfor_ikke"[^>]*maxlength="200"', html
    )
    assert re.search(r'id="item-maaneder"[^>]*inputmode="numeric"', html, re.S)
    assert re.search(r'id="item-timer"[^>]*inputmode="decimal"', html, re.S)
    assert "Skriv et helt tal (mellem 1 og 24)." in html and "måneder</span>" in html
    assert 'data-show-if="{&#34;op&#34;:&#34;==&#34;,&#34;item&#34;:&#34;brugt&#34;' in html
    assert '<script src="/static/routing.js">' in html


def test_no_javascript_an_answer_that_opens_questions_shows_the_page_again(app, client, token):
    reply = send(client, token, {"brugt": "1", "tilfreds": "1"}, shown="brugt,titel,tilfreds")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Dine svar gav flere spørgsmål" in html
    assert shown_fieldsets(html) == ["brugt", "hvor_ofte", "timer", "titel"]
    assert count_rows(app, Response) == 0
    reply = send(
        client, token, {"brugt": "1", "hvor_ofte": "3"}, shown="brugt,hvor_ofte,timer,titel"
    )
    assert "Dine svar gav flere spørgsmål" in reply.get_data(as_text=True)  # maaneder is new
    assert count_rows(app, Response) == 0
    reply = send(client, token, {"brugt": "1", "hvor_ofte": "3", "maaneder": "6", "timer": "2,5",
                                 "tilfreds": "1", "titel": "Rådgiver"},
                 shown="brugt,hvor_ofte,maaneder,timer,titel,tilfreds")  # fmt: skip
    assert reply.status_code == 303
    assert stored(app) == {
        "brugt": (1, None, None), "hvor_ofte": (3, None, None), "maaneder": (None, "6", None),
        "timer": (None, "2.5", None), "hvorfor_ikke": (None, None, "ikke_relevant"),
        "titel": (None, "Rådgiver", None), "tilfreds": (1, None, None),
    }  # fmt: skip


def test_answers_to_hidden_items_are_discarded_and_stored_as_ikke_relevant(app, client, token):
    reply = send(client, token, {"brugt": "2", "hvor_ofte": "3", "maaneder": "7", "tilfreds": "2",
                                 "hvorfor_ikke": "Ingen tid\r\nog ingen tilbud"},
                 shown="brugt,hvor_ofte,maaneder,timer,hvorfor_ikke,titel,tilfreds")  # fmt: skip
    assert reply.status_code == 303
    answers = stored(app)
    assert answers["hvor_ofte"] == answers["maaneder"] == answers["timer"] == (
        None, None, "ikke_relevant")  # fmt: skip
    assert answers["hvorfor_ikke"] == (None, "Ingen tid\nog ingen tilbud", None)
    assert answers["titel"] == (None, None, "ubesvaret")


def test_hidden_required_items_are_not_required(app, client, token):
    reply = send(
        client,
        token,
        {"brugt": "2", "hvorfor_ikke": "x"},
        shown="brugt,hvorfor_ikke,titel,tilfreds",
    )
    assert reply.status_code == 422  # tilfreds is shown and required
    assert 'id="err-tilfreds"' in reply.get_data(as_text=True)
    assert 'id="err-hvor_ofte"' not in reply.get_data(as_text=True)
    fields = {"brugt": "2", "hvorfor_ikke": "x", "tilfreds": "1"}
    assert send(client, token, fields, shown="brugt,hvorfor_ikke,titel,tilfreds").status_code == 303


def test_a_bad_number_shows_the_form_again_with_what_was_typed_and_stores_nothing(
    app, client, token
):
    fields = {
        "brugt": "1",
        "hvor_ofte": "2",
        "maaneder": "1e3",
        "timer": "1.000,5",
        "titel": "Leder",
    }
    reply = send(client, token, fields, shown="brugt,hvor_ofte,maaneder,timer,titel,tilfreds")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "Nogle svar skal rettes" in html
    assert "„Hvor mange måneder varede forløbet?“ skal være et tal skrevet med cifre" in html
    assert 'value="1e3"' in html and 'value="1.000,5"' in html and 'value="Leder"' in html
    assert 'aria-invalid="true"' in html
    assert count_rows(app, Response) == 0 and count_rows(app, LinkDraft) == 0


def test_a_forged_option_is_refused_and_changes_nothing(app, client, token):
    reply = send(client, token, {"brugt": "9"}, action="save")
    assert reply.status_code == 400
    assert count_rows(app, LinkDraft) == 0


def test_drafts_keep_texts_and_numbers_and_show_them_with_a_decimal_comma(app, client, token):
    fields = {"brugt": "1", "hvor_ofte": "2", "maaneder": "12", "timer": "7.5",
              "titel": "Leder <i>&</i>", "hvorfor_ikke": "discarded: hidden"}  # fmt: skip
    assert send(client, token, fields, action="save").status_code == 200
    html = page_of(client, token)
    assert 'value="12"' in html and 'value="7,5"' in html
    assert 'value="Leder &lt;i&gt;&amp;&lt;/i&gt;"' in html
    assert "discarded: hidden" not in html
    assert shown_fieldsets(html) == ["brugt", "hvor_ofte", "maaneder", "timer", "titel", "tilfreds"]


# --- the tablet -----------------------------------------------------------------------------


@pytest.fixture
def caseworker(app, tmp_path):
    load_routed_questionnaire(app, tmp_path)
    client = signed_in_client(app, "caseworker", ["Furesø"])
    csrf = csrf_token_from(client.get("/kiosk/").text)
    client.post("/kiosk/citizens", data={"pseudonym": "sag-r", "municipality": "Furesø",
                                         "csrf_token": csrf})  # fmt: skip
    csrf = csrf_token_from(client.get("/kiosk/citizens/sag-r").text)
    reply = client.post("/kiosk/start", data={
        "pseudonym": "sag-r", "questionnaire": TABLET_KEY, "language": "da", "layout": "one",
        "pin": PIN, "pin_repeat": PIN, "csrf_token": csrf})  # fmt: skip
    assert reply.headers["Location"].endswith("/kiosk/answer")
    return client


def tablet(client, fields=None, move="next"):
    """Answer the current tablet screen; return the next screen's (html, item keys shown)."""
    page = client.get("/kiosk/answer").text
    if fields is not None:
        occasion = re.search(r'name="occasion" value="([^"]+)"', page).group(1)
        position = re.search(r'name="position" value="(\d+)"', page).group(1)
        data = {f"item-{k}": v for k, v in fields.items()}
        data.update(
            move=move, occasion=occasion, position=position, csrf_token=csrf_token_from(page)
        )
        reply = client.post("/kiosk/answer", data=data)
        if reply.status_code != 302:
            return reply, []
        page = client.get(reply.headers["Location"]).text
    return page, shown_fieldsets(page)


def progress_text(page):
    return re.search(r"Spørgsmål (\d+) af (\d+)", page).groups()


def test_tablet_skips_hidden_questions_back_returns_to_the_last_shown_and_counts_shown(
    app, caseworker
):
    page, keys = tablet(caseworker)
    assert keys == ["brugt"] and progress_text(page) == ("1", "3")
    page, keys = tablet(caseworker, {"brugt": "2"})
    assert keys == ["hvorfor_ikke"] and progress_text(page) == ("2", "4")
    assert '<textarea class="text-answer" id="item-hvorfor_ikke"' in page
    page, keys = tablet(caseworker, {"hvorfor_ikke": "Ingen plads"})
    assert keys == ["titel"] and progress_text(page) == ("3", "4")
    page, keys = tablet(caseworker, {}, move="back")
    assert keys == ["hvorfor_ikke"] and "Ingen plads</textarea>" in page
    page, keys = tablet(caseworker, {"hvorfor_ikke": "Ingen plads"}, move="back")
    assert keys == ["brugt"]
    page, keys = tablet(caseworker, {"brugt": "1"})  # another route now
    assert keys == ["hvor_ofte"] and progress_text(page) == ("2", "4")
    page, keys = tablet(caseworker, {"hvor_ofte": "3"})
    assert keys == ["maaneder"] and progress_text(page) == ("3", "5")  # tilfreds not yet
    reply, _ = tablet(caseworker, {"maaneder": "30"})
    assert reply.status_code == 422 and "mellem 1 og 24" in reply.text
    page, keys = tablet(caseworker, {"maaneder": "18"})
    assert keys == ["timer"]
    page, keys = tablet(caseworker, {}, move="back")
    assert keys == ["maaneder"] and 'value="18"' in page
    for fields in ({"maaneder": "18"}, {"timer": "1,5"}, {"titel": ""}, {"tilfreds": "1"}):
        page, keys = tablet(caseworker, fields)
    assert "Dine svar" in page and "Ingen plads" not in page and "1,5</span> timer" in page
    csrf = csrf_token_from(page)
    occasion = re.search(r'name="occasion" value="([^"]+)"', page).group(1)
    caseworker.post("/kiosk/submit", data={"csrf_token": csrf, "occasion": occasion})
    assert stored(app) == {
        "brugt": (1, None, None), "hvor_ofte": (3, None, None), "maaneder": (None, "18", None),
        "timer": (None, "1.5", None), "hvorfor_ikke": (None, None, "ikke_relevant"),
        "titel": (None, None, "ubesvaret"), "tilfreds": (1, None, None),
    }  # fmt: skip
    with app.app_context():
        assert get_session().exec(select(KioskSession)).one().status == "submitted"


def test_tablet_refuses_an_answer_to_an_item_not_on_the_screen(app, caseworker):
    reply, _ = tablet(caseworker, {"brugt": "1", "tilfreds": "1"})
    assert reply.status_code == 400
