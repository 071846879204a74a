"""The citizen tablet: pseudonyms, PIN lock, idle timeout, resend without duplicates, sentences."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from survey_app.db import get_session
from survey_app.kiosk.citizens import looks_like_cpr
from survey_app.kiosk.progress import direction
from survey_app.models import AuditEvent, Citizen, KioskSession, Response, utcnow
from tests.conftest import count_rows, csrf_token_from, signed_in_client

PIN = "2468"


@pytest.fixture
def caseworker(app):
    return signed_in_client(app, "caseworker", ["Furesø"])


def register(client, pseudonym, municipality="Furesø"):
    csrf = csrf_token_from(client.get("/kiosk/").text)
    return client.post(
        "/kiosk/citizens",
        data={"pseudonym": pseudonym, "municipality": municipality, "csrf_token": csrf},
    )


def start(client, pseudonym="sag-1", layout="one", language="da", pin=PIN, repeat=PIN):
    csrf = csrf_token_from(client.get(f"/kiosk/citizens/{pseudonym}").text)
    return client.post(
        "/kiosk/start",
        data={
            "pseudonym": pseudonym, "questionnaire": "en-plan", "language": language,
            "layout": layout, "pin": pin, "pin_repeat": repeat, "csrf_token": csrf,
        },
    )  # fmt: skip


def screen(client):
    """The current screen: page, occasion key, answer fields and CSRF token."""
    page = client.get("/kiosk/answer")
    assert page.status_code == 200
    occasion = re.search(r'name="occasion" value="([^"]+)"', page.text).group(1)
    client.position = re.search(r'name="position" value="(\d+)"', page.text).group(1)
    names = list(dict.fromkeys(re.findall(r'name="(item-[a-z_]+)"', page.text)))
    return page, occasion, names, csrf_token_from(page.text)


def post_screen(client, csrf, occasion, fields):
    """Post the current screen's form with ``fields`` (answers and move)."""
    data = dict(fields, csrf_token=csrf, occasion=occasion, position=client.position)
    return client.post("/kiosk/answer", data=data)


def answer_all(client, value="4", values=None):
    """Answer every question one per screen; return the occasion key."""
    for number in range(12):
        page, occasion, [name], csrf = screen(client)
        assert f"Spørgsmål {number + 1} af 12" in page.text
        given = values[number] if values else value
        reply = client.post(
            "/kiosk/answer",
            data={
                "csrf_token": csrf,
                "occasion": occasion,
                "position": client.position,
                name: given,
                "move": "next",
            },
        )
        assert reply.status_code == 302
    return occasion


def submit(client, occasion):
    csrf = csrf_token_from(client.get("/kiosk/leave").text)
    return client.post("/kiosk/submit", data={"csrf_token": csrf, "occasion": occasion})


def leave(client, pin=PIN):
    csrf = csrf_token_from(client.get("/kiosk/leave").text)
    return client.post("/kiosk/leave", data={"csrf_token": csrf, "pin": pin})


@pytest.mark.parametrize(
    "pseudonym", ["010190-1234", "0101901234", "sag 010190-1234", "010190 1234"]
)
def test_cpr_like_pseudonyms_are_refused(app, caseworker, pseudonym):
    reply = register(caseworker, pseudonym)
    assert reply.status_code == 422
    assert "Det ligner et CPR-nummer" in reply.text
    assert count_rows(app, Citizen) == 0


def test_looks_like_cpr():
    assert looks_like_cpr("311299-9999") and looks_like_cpr("x3112999999x")
    assert not looks_like_cpr("sag-2019-0042") and not looks_like_cpr("12345678901")


def test_register_and_refuse_duplicates_and_foreign_municipality(app, caseworker):
    assert register(caseworker, "sag-1").status_code == 302
    assert register(caseworker, "sag-1").status_code == 422
    assert register(caseworker, "sag-2", municipality="Ballerup").status_code == 403
    ballerup = signed_in_client(app, "caseworker", ["Ballerup"])
    assert ballerup.get("/kiosk/citizens/sag-1").status_code == 404
    assert count_rows(app, Citizen) == 1


def test_pin_must_be_digits_and_repeated(app, caseworker):
    register(caseworker, "sag-1")
    assert (
        "PIN-koden skal være 4-8 cifre"
        in caseworker.get(start(caseworker, pin="12a4", repeat="12a4").headers["Location"]).text
    )
    assert "ikke ens" in caseworker.get(start(caseworker, repeat="1357").headers["Location"]).text
    assert count_rows(app, KioskSession) == 0


def test_the_tablet_is_locked_until_the_pin(app, caseworker):
    register(caseworker, "sag-1")
    assert start(caseworker).headers["Location"].endswith("/kiosk/answer")
    for url in ("/dashboard/", "/kiosk/", "/kiosk/citizens/sag-1", "/admin/audit", "/"):
        reply = caseworker.get(url)
        assert reply.status_code == 403, url
        assert "Tabletten er i brug" in reply.text
    assert leave(caseworker, "0000").status_code == 401
    assert caseworker.get("/dashboard/").status_code == 403
    assert leave(caseworker).status_code == 302
    assert caseworker.get("/dashboard/").status_code == 200


def test_five_wrong_pins_end_the_session_and_sign_out(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    for _ in range(4):
        assert leave(caseworker, "0000").status_code == 401
    assert leave(caseworker, "0000").headers["Location"].endswith("/kiosk/ended")
    assert caseworker.get("/dashboard/").status_code == 302  # to /login: signed out


def test_tablet_pages_are_not_cached(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    for url in ("/kiosk/answer", "/kiosk/leave", "/dashboard/"):
        assert caseworker.get(url).headers["Cache-Control"] == "no-store"


def test_idle_timeout_keeps_answers_and_signs_the_caseworker_out(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    _, occasion, [name], csrf = screen(caseworker)
    post_screen(caseworker, csrf, occasion, {name: "5", "move": "next"})
    with app.app_context():
        session = get_session()
        session.execute(
            update(KioskSession).values(last_activity_at=utcnow() - timedelta(minutes=11))
        )
        session.commit()
    reply = caseworker.get("/kiosk/answer")
    assert reply.headers["Location"].endswith("/kiosk/ended")
    assert "Sessionen er afsluttet" in caseworker.get("/kiosk/ended").text
    assert caseworker.get("/dashboard/").status_code == 302  # signed out, not locked, not open
    with app.app_context():
        kiosk = get_session().exec(select(KioskSession)).one()
    assert kiosk.status == "paused" and name.removeprefix("item-") in kiosk.draft


def test_whole_flow_with_back_and_a_resend_that_makes_no_duplicate(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    _, occasion, [first], csrf = screen(caseworker)
    post_screen(caseworker, csrf, occasion, {first: "2", "move": "next"})
    post_screen(caseworker, csrf, occasion, {"move": "back"})
    page, _, _, _ = screen(caseworker)
    assert re.search(rf'id="{first}-2"[^>]*checked', page.text)
    occasion = answer_all(caseworker)
    assert submit(caseworker, occasion).headers["Location"].endswith("/kiosk/done")
    assert submit(caseworker, occasion).headers["Location"].endswith("/kiosk/done")
    assert count_rows(app, Response) == 1
    with app.app_context():
        stored = get_session().exec(select(Response)).one()
    assert stored.respondent_key == "sag-1" and stored.submission_key == occasion
    assert "Det er første gang, du svarer" in caseworker.get("/kiosk/done").text


def test_forged_values_and_wrong_occasion_are_refused(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    _, occasion, [name], csrf = screen(caseworker)
    for data in (
        {name: "9", "occasion": occasion},
        {"item-kan_naa_mine_maal": "3", "occasion": occasion},  # not on this screen
        {name: "3", "occasion": "another-occasion"},
    ):
        data = dict(data, csrf_token=csrf, move="next", position=caseworker.position)
        reply = caseworker.post("/kiosk/answer", data=data)
        assert reply.status_code == 400
    with app.app_context():
        assert get_session().exec(select(KioskSession)).one().draft == "{}"


def test_missing_answer_at_submit_returns_to_that_question(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker, layout="all")
    page, occasion, names, csrf = screen(caseworker)
    assert len(names) == 12
    answers = {n: "3" for n in names[1:]}
    post_screen(caseworker, csrf, occasion, dict(answers, move="next"))
    reply = submit(caseworker, occasion)
    page = caseworker.get(reply.headers["Location"])
    assert f'id="err-{names[0].removeprefix("item-")}"' in page.text
    assert count_rows(app, Response) == 0


def test_a_resent_screen_does_not_skip_the_next_question(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    _, occasion, [first], csrf = screen(caseworker)
    data = {"csrf_token": csrf, "occasion": occasion, "position": "0", "move": "next", first: "3"}
    caseworker.post("/kiosk/answer", data=data)
    caseworker.post("/kiosk/answer", data=data)  # the confirmation was lost; the page resends
    page, _, [shown], _ = screen(caseworker)
    assert "Spørgsmål 2 af 12" in page.text and shown != first


def test_a_position_outside_the_questionnaire_is_refused(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    _, occasion, _, csrf = screen(caseworker)
    for position in ("13", "-1", "x"):
        data = {"csrf_token": csrf, "occasion": occasion, "position": position, "move": "next"}
        assert caseworker.post("/kiosk/answer", data=data).status_code == 400


def test_pause_and_resume_later(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    _, occasion, [name], csrf = screen(caseworker)
    post_screen(caseworker, csrf, occasion, {name: "1", "move": "pause"})
    assert leave(caseworker).status_code == 302
    page = caseworker.get("/kiosk/citizens/sag-1")
    assert "Sat på pause" in page.text
    resume = re.search(r'action="(/kiosk/sessions/[0-9a-f]+/resume)"', page.text).group(1)
    caseworker.post(resume, data={"csrf_token": csrf_token_from(page.text)})
    again, _, [same], _ = screen(caseworker)
    assert same == name and re.search(rf'id="{name}-1"[^>]*checked', again.text)


def progress_sentences(client):
    return re.findall(r"<li>(Du svarer [^<]+)</li>", client.get("/kiosk/done").text)


def test_sentences_say_higher_lower_or_same_per_domain(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    assert submit(caseworker, answer_all(caseworker, "3")).status_code == 302
    leave(caseworker)
    start(caseworker)
    # Items come in domain order, three per domain: up, down, same, up.
    values = ["4"] * 3 + ["2"] * 3 + ["3"] * 3 + ["5"] * 3
    submit(caseworker, answer_all(caseworker, values=values))
    assert progress_sentences(caseworker) == [
        "Du svarer højere end sidst om „Mit liv og mine drømme“.",
        "Du svarer lavere end sidst om „Min hverdag“.",
        "Du svarer det samme som sidst om „Tro på egne evner“.",
        "Du svarer højere end sidst om „Sammenhæng i min indsats“.",
    ]


def test_direction():
    assert [direction(2, 3), direction(3, 2), direction(2.5, 2.5), direction(None, 1)] == [
        "higher", "lower", "same", None,
    ]  # fmt: skip


def test_caseworker_view_of_progression_is_audited(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    submit(caseworker, answer_all(caseworker))
    assert caseworker.get("/kiosk/done").status_code == 200
    leave(caseworker)
    page = caseworker.get("/kiosk/citizens/sag-1/progression/en-plan")
    assert page.status_code == 200 and "Det er første gang" in page.text
    with app.app_context():
        views = (
            get_session()
            .exec(select(AuditEvent).where(AuditEvent.action == "view_citizen_answers"))
            .all()
        )
    assert [v.target for v in views] == ["sag-1/en-plan (tablet)", "sag-1/en-plan"]


def test_tablet_pages_follow_the_access_rule(app, caseworker):
    register(caseworker, "sag-1")
    assert signed_in_client(app, "evaluator").get("/kiosk/").status_code == 403
    other = signed_in_client(app, "coordinator", ["Ballerup"])
    assert "sag-1" not in other.get("/kiosk/").text
    assert other.get("/kiosk/citizens/sag-1/progression/en-plan").status_code == 404
    assert start(signed_in_client(app, "admin"), "sag-1").status_code == 302
    csrf = csrf_token_from(other.get("/kiosk/").text)
    refused = other.post(
        "/kiosk/start",
        data={"pseudonym": "sag-1", "questionnaire": "en-plan", "pin": PIN, "pin_repeat": PIN,
              "csrf_token": csrf},
    )  # fmt: skip
    assert refused.status_code == 404
    assert count_rows(app, KioskSession) == 1


def test_next_without_an_answer_stays_on_the_question_and_says_it_is_missing(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    _, occasion, [first], csrf = screen(caseworker)
    reply = post_screen(caseworker, csrf, occasion, {"move": "next"})
    page = caseworker.get(reply.headers["Location"])
    key = first.removeprefix("item-")
    assert "Spørgsmål 1 af 12" in page.text
    assert f'id="err-{key}"' in page.text and "Vælg et svar på dette spørgsmål." in page.text
    assert f'aria-describedby="err-{key}"' in page.text
    assert "<title>Fejl:" in page.text
    # Pause and an answer still work from the same screen.
    _, occasion, [name], csrf = screen(caseworker)
    assert name == first
    reply = post_screen(caseworker, csrf, occasion, {first: "2", "move": "next"})
    page, _, [second], _ = screen(caseworker)
    assert "Spørgsmål 2 af 12" in page.text and second != first and "err-" not in page.text


def test_next_on_the_all_on_one_page_layout_marks_every_missing_answer(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker, layout="all")
    _, occasion, names, csrf = screen(caseworker)
    answers = {n: "3" for n in names[2:]}
    reply = post_screen(caseworker, csrf, occasion, dict(answers, move="next"))
    assert "review" not in reply.headers["Location"]
    page = caseworker.get(reply.headers["Location"]).text
    assert len(re.findall(r'class="error-message" id="err-', page)) == 2
    assert re.search(rf'id="{names[2]}-3"[^>]*checked', page)  # the given answers are kept


def test_the_review_page_marks_required_unanswered_questions(app, caseworker):
    register(caseworker, "sag-1")
    start(caseworker)
    answer_all(caseworker)
    with app.app_context():
        session = get_session()
        kiosk = session.exec(select(KioskSession)).one()
        answers = json.loads(kiosk.draft)
        missing = sorted(answers)[0]
        del answers[missing]
        kiosk.draft = json.dumps(answers)
        session.add(kiosk)
        session.commit()
    page = caseworker.get("/kiosk/answer?review=1").text
    assert "Dine svar" in page
    assert page.count("Mangler svar – spørgsmålet skal besvares") == 1
    assert "1 spørgsmål mangler svar og skal besvares" in page


def test_the_done_page_names_its_chart_once_and_dates_the_occasion_in_danish(app, caseworker):
    from survey_app.formatting import date_text

    register(caseworker, "sag-1")
    start(caseworker)
    occasion = answer_all(caseworker)
    submit(caseworker, occasion)
    page = caseworker.get("/kiosk/done").text
    assert page.count("Dine svar over tid") == 1  # the caption; the figure has no title of its own
    figure = json.loads(re.search(r'class="plotly-figure"[^>]*>(.*?)</script>', page, re.S)[1])
    today = date_text(utcnow())
    assert all(trace["x"] == [f"1. gang<br>{today}"] for trace in figure["data"])
    assert not figure["layout"].get("title", {}).get("text")
    # One occasion: the domains' markers are placed side by side, not on top of each other.
    assert figure["layout"]["scattermode"] == "group"
