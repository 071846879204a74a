"""Anonymous citizen questionnaires on the tablet, and the tablet in further languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import Answer, AuditEvent, KioskSession, Response, Wave
from survey_app.registry import load_questionnaires
from tests.conftest import count_rows, csrf_token_from, signed_in_client
from tests.test_kiosk import PIN, leave, screen

INTEGRATION_ITEMS = 5

# A test questionnaire written here, not a seed: its Arabic and Ukrainian texts exist only to test
# the mechanism (the seed texts are never translated by the app's authors).
MULTILINGUAL = """
key: sprogtest
version: 1
title: {da: "Sprogtest", en: "Language test", ar: "اختبار اللغة", uk: "Мовний тест"}
audience: citizen
anonymous: true
scales:
  - key: ja_nej
    type: nominal
    options:
      - {code: 1, label: {da: "Ja", en: "Yes", ar: "نعم", uk: "Так"}}
      - {code: 2, label: {da: "Nej", en: "No", ar: "لا", uk: "Ні"}}
items:
  - key: forstaar
    text: {da: "Forstår du spørgsmålet?", en: "Do you understand the question?",
           ar: "هل تفهم السؤال؟", uk: "Чи розумієте ви запитання?"}
    scale: ja_nej
    required: true
  - key: kun_dansk
    text: {da: "Er du glad?", en: "Are you happy?", ar: "هل أنت سعيد؟"}
    scale: ja_nej
    required: true
"""


@pytest.fixture
def caseworker(app):
    return signed_in_client(app, "caseworker", ["Furesø"])


@pytest.fixture
def multilingual(app, tmp_path):
    """The app with the test questionnaire ``sprogtest`` (da, en, ar; uk only in part)."""
    folder = tmp_path / "sprog"
    folder.mkdir()
    (folder / "sprogtest.v1.yaml").write_text(MULTILINGUAL, encoding="utf-8")
    with app.app_context():
        session = get_session()
        report = load_questionnaires(session, folder)
        assert report.ok, report.refused
        session.commit()
    return app


def start_anonymous(client, questionnaire="integration-borger", municipality="Furesø",
                    language="da", pin=PIN, repeat=PIN, layout="one"):  # fmt: skip
    csrf = csrf_token_from(client.get("/kiosk/").text)
    return client.post(
        "/kiosk/anonymous/start",
        data={"questionnaire": questionnaire, "municipality": municipality, "language": language,
              "layout": layout, "pin": pin, "pin_repeat": repeat, "csrf_token": csrf},
    )  # fmt: skip


def answer_every_screen(client, value="4"):
    """Answer each screen with ``value`` until the review; returns the occasion key and CSRF."""
    for _ in range(20):
        page, occasion, names, csrf = screen(client)
        data = {name: value for name in names}
        data.update(move="next", csrf_token=csrf, occasion=occasion, position=client.position)
        reply = client.post("/kiosk/answer", data=data)
        assert reply.status_code == 302
        if "review=1" in reply.headers["Location"]:
            review = client.get(reply.headers["Location"]).text
            assert "/kiosk/submit" in review
            return occasion, csrf_token_from(review)
    raise AssertionError("never reached the review")


def send(client, occasion, csrf):
    return client.post("/kiosk/submit", data={"csrf_token": csrf, "occasion": occasion})


def test_an_anonymous_questionnaire_runs_on_the_tablet_and_stores_no_link(app, caseworker):
    assert "Anonymt spørgeskema på tabletten" in caseworker.get("/kiosk/").text
    reply = start_anonymous(caseworker)
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/kiosk/answer")
    # The caseworker is signed out as the tablet is handed over; the tablet is locked.
    assert caseworker.get("/dashboard/").status_code == 403
    occasion, csrf = answer_every_screen(caseworker)
    with app.app_context():
        [kiosk] = get_session().exec(select(KioskSession)).all()
        assert kiosk.citizen_id is None and kiosk.municipality_id is not None
    sent = send(caseworker, occasion, csrf)
    assert sent.headers["Location"].endswith("/kiosk/done")
    done = caseworker.get("/kiosk/done")
    assert "Tak for dine svar" in done.text and "uden dit navn" in done.text
    with app.app_context():
        session = get_session()
        [response] = session.exec(select(Response)).all()
        assert response.respondent_key is None and response.submission_key is None
        assert response.invitation_id is None
        at = response.submitted_at
        assert (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0)
        assert count_rows(app, Answer) == INTEGRATION_ITEMS
        assert session.exec(select(KioskSession)).all() == []  # nothing left of the session
        kiosk_events = session.exec(
            select(AuditEvent).where(AuditEvent.action.like("kiosk%"))
        ).all()
        assert kiosk_events == []
    # The tablet is free again but signed out: staff pages ask for a sign-in.
    assert caseworker.get("/kiosk/").status_code in (302, 401)


def test_a_resend_after_a_lost_confirmation_stores_nothing_twice(app, caseworker):
    start_anonymous(caseworker)
    occasion, csrf = answer_every_screen(caseworker, "2")
    cookie = caseworker.get_cookie("session").value  # the cookie before the send
    assert send(caseworker, occasion, csrf).status_code == 302
    caseworker.set_cookie("session", cookie)  # the confirmation never arrived
    again = send(caseworker, occasion, csrf)
    assert again.headers["Location"].endswith("/kiosk/done")
    assert count_rows(app, Response) == 1
    assert "Tak for dine svar" in caseworker.get("/kiosk/done").text
    caseworker.set_cookie("session", cookie)  # the stale cookie on the other tablet pages
    for path in ("/kiosk/answer", "/kiosk/leave"):
        assert caseworker.get(path).headers["Location"].endswith("/kiosk/done")
        caseworker.set_cookie("session", cookie)


def test_anonymous_response_joins_the_open_wave_by_date(app, caseworker):
    with app.app_context():
        session = get_session()
        version_id = session.exec(select(Response.questionnaire_version_id)).first()  # none yet
        assert version_id is None
        from survey_app.registry import find_version

        version = find_version(session, "integration-borger", 1)
        wave = Wave(questionnaire_version_id=version.id, key="nu", title="Nu",
                    opens_at=datetime(2020, 1, 1, tzinfo=UTC),
                    closes_at=datetime(2100, 1, 1, tzinfo=UTC))  # fmt: skip
        session.add(wave)
        session.commit()
        wave_id = wave.id
    start_anonymous(caseworker)
    occasion, csrf = answer_every_screen(caseworker)
    send(caseworker, occasion, csrf)
    with app.app_context():
        assert get_session().exec(select(Response.wave_id)).one() == wave_id


def test_refusals_change_nothing(app, caseworker):
    before = count_rows(app, KioskSession)
    # A named questionnaire cannot start anonymously ...
    reply = start_anonymous(caseworker, questionnaire="en-plan")
    assert reply.status_code == 400
    # ... nor a municipality the caseworker does not work in, nor a wrong PIN.
    assert start_anonymous(caseworker, municipality="Ballerup").status_code == 400
    mismatch = start_anonymous(caseworker, repeat="9999")
    assert "error=pin_mismatch" in mismatch.headers["Location"]
    assert "De to PIN-koder er ikke ens." in caseworker.get(mismatch.headers["Location"]).text
    short = start_anonymous(caseworker, pin="12", repeat="12")
    assert "error=pin_format" in short.headers["Location"]
    # A language the questionnaire does not exist in is refused.
    foreign = start_anonymous(caseworker, language="ar")
    assert "error=language" in foreign.headers["Location"]
    assert count_rows(app, KioskSession) == before
    # Still signed in after every refusal.
    assert caseworker.get("/kiosk/").status_code == 200


def test_an_anonymous_session_paused_with_the_pin_is_resumed_by_its_caseworker(app, caseworker):
    start_anonymous(caseworker)
    page, occasion, [name], csrf = screen(caseworker)
    data = {name: "5", "move": "pause", "csrf_token": csrf, "occasion": occasion,
            "position": caseworker.position}  # fmt: skip
    assert caseworker.post("/kiosk/answer", data=data).status_code == 302
    assert leave(caseworker).headers["Location"].endswith("/kiosk/")
    # Signed out: the caseworker signs in again and finds the paused session.
    from tests.conftest import sign_in

    assert sign_in(caseworker, "caseworker-furesø@example.dk").status_code == 302
    index = caseworker.get("/kiosk/").text
    assert "Anonyme spørgeskemaer sat på pause" in index
    kiosk_id = re.search(r"/kiosk/sessions/([0-9a-f]+)/resume", index).group(1)
    other = signed_in_client(app, "caseworker", ["Furesø"], email="anden@example.dk")
    csrf_other = csrf_token_from(other.get("/kiosk/").text)
    refused = other.post(f"/kiosk/sessions/{kiosk_id}/resume", data={"csrf_token": csrf_other})
    assert refused.status_code == 404  # another caseworker cannot pick it up
    resumed = caseworker.post(
        f"/kiosk/sessions/{kiosk_id}/resume", data={"csrf_token": csrf_token_from(index)}
    )
    assert resumed.headers["Location"].endswith("/kiosk/answer")
    page, *_ = screen(caseworker)
    assert "Spørgsmål 1 af 5" in page.text
    assert re.search(rf'id="{name}-5"[^>]*checked', page.text)  # the answer was kept


# --- languages ---------------------------------------------------------------------------


def test_the_language_choice_lists_the_languages_the_questionnaire_has(multilingual, caseworker):
    index = caseworker.get("/kiosk/").text
    choice = re.search(r'<select id="anon-language".*?</select>', index, re.S).group(0)
    assert re.findall(r'<option value="([a-z]+)"', choice) == ["da", "en", "ar"]  # not uk
    assert '<option value="ar" lang="ar">العربية</option>' in choice


def test_an_arabic_page_runs_right_to_left_with_danish_buttons(multilingual, caseworker):
    assert start_anonymous(caseworker, "sprogtest", language="ar").status_code == 302
    page, occasion, names, csrf = screen(caseworker)
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "هل تفهم السؤال؟" in page.text and "نعم" in page.text
    # The app has no Arabic catalogue: its own words fall back to Danish, marked as Danish.
    assert re.search(r'<div class="actions" lang="da">\s*<button[^>]*>Næste</button>', page.text)
    switch = re.search(r'<form[^>]*class="language-switch">.*?</form>', page.text, re.S).group(0)
    assert re.findall(r'value="([a-z]+)"', switch) == ["da", "en"]
    assert 'lang="da" dir="ltr">Dansk</button>' in switch
    # Switching to English: left to right, English buttons.
    csrf_switch = csrf_token_from(page.text)
    caseworker.post("/kiosk/language", data={"language": "en", "csrf_token": csrf_switch})
    page, *_ = screen(caseworker)
    assert '<html lang="en" dir="ltr">' in page.text and "Do you understand" in page.text
    assert ">Next</button>" in page.text


def test_a_language_the_questionnaire_lacks_is_refused_on_the_tablet(multilingual, caseworker):
    start_anonymous(caseworker, "sprogtest", language="en")
    page, *_ = screen(caseworker)
    caseworker.post("/kiosk/language", data={"language": "uk", "csrf_token": csrf_token_from(
        page.text)})  # fmt: skip
    page, *_ = screen(caseworker)
    assert '<html lang="en" dir="ltr">' in page.text
    with multilingual.app_context():
        assert get_session().exec(select(KioskSession.language)).one() == "en"


def test_the_arabic_answer_is_stored_like_any_other(multilingual, caseworker):
    start_anonymous(caseworker, "sprogtest", language="ar")
    occasion, csrf = answer_every_screen(caseworker, "1")
    send(caseworker, occasion, csrf)
    done = caseworker.get("/kiosk/done").text
    assert '<html lang="da" dir="ltr">' in done  # the thanks are app words: Danish
    with multilingual.app_context():
        values = get_session().exec(select(Answer.value)).all()
    assert values == [1, 1]


def test_a_named_questionnaire_starts_in_a_further_language_only_if_it_has_it(app, caseworker):
    from tests.test_kiosk import register, start

    register(caseworker, "sag-1")
    reply = start(caseworker, language="ar")
    assert "error=language" in reply.headers["Location"]
    assert count_rows(app, KioskSession) == 0


def test_migration_0008_keeps_a_running_tablet_session_and_goes_back(tmp_path):
    """A session started before the migration keeps its citizen; afterwards a session may have
    no citizen but a municipality; the downgrade drops only the anonymous sessions."""
    from alembic import command
    from sqlalchemy import text as sql

    from survey_app.migrate import alembic_config
    from tests.conftest import database_at

    engine = database_at(tmp_path, "0007")
    with engine.begin() as connection:
        connection.execute(sql("INSERT INTO municipality (id, name, network) VALUES (1, 'A', 'N')"))
        connection.execute(
            sql(
                "INSERT INTO app_user (id, email, password_hash, role, active, created_at) "
                "VALUES (1, 'c@example.dk', 'x', 'caseworker', 1, '2026-01-01')"
            )
        )
        connection.execute(
            sql(
                "INSERT INTO citizen (id, pseudonym, municipality_id, created_at) "
                "VALUES (1, 'sag-1', 1, '2026-01-01')"
            )
        )
        columns = "questionnaire_version_id, caseworker_id, pin_hash, pin_failures, language, "
        columns += "one_per_screen, position, draft, status, created_at, last_activity_at"
        values = "1, 1, 'h', 0, 'da', 1, 0, '{}', 'active', '2026-01-01', '2026-01-01'"
        connection.execute(
            sql(
                f"INSERT INTO kiosk_session (id, occasion_key, citizen_id, {columns}) "
                f"VALUES ('named', 'o1', 1, {values})"
            )
        )
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        connection.execute(
            sql(
                f"INSERT INTO kiosk_session (id, occasion_key, municipality_id, {columns}) "
                f"VALUES ('anonymous', 'o2', 1, {values})"
            )
        )
    with engine.connect() as connection:
        rows = connection.execute(
            sql("SELECT id, citizen_id, municipality_id FROM kiosk_session ORDER BY id")
        ).all()
    assert rows == [("anonymous", None, 1), ("named", 1, None)]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    with engine.connect() as connection:
        assert connection.execute(sql("SELECT id FROM kiosk_session")).scalars().all() == ["named"]
    engine.dispose()


def test_the_anonymous_thanks_come_in_english_after_english_answers(app, caseworker):
    start_anonymous(caseworker, language="en")
    occasion, csrf = answer_every_screen(caseworker)
    send(caseworker, occasion, csrf)
    done = caseworker.get("/kiosk/done").text
    assert '<html lang="en" dir="ltr">' in done
    assert "saved without your name" in done
