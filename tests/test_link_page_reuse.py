"""What link pages reuse between requests: the blank questions per version and language, the
plain rows of the link lookup, and the submitting statements built once."""

from __future__ import annotations

import re

from sqlmodel import select

from survey_app.answering import display
from survey_app.answering.links import find_link
from survey_app.db import get_session
from survey_app.models import Invitation, QuestionnaireVersion, Wave
from survey_app.registry import _parsed
from tests.conftest import csrf_token_from, invite, open_wave

CSRF_FIELD = re.compile(r'name="csrf_token" value="[^"]+"')


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_blank_form_is_the_same_page_as_rendered_afresh(app):
    open_wave(app)
    first, second = invite(app, count=2)
    client = app.test_client()
    display._blank_questions.clear()
    afresh = _page(client, f"/s/{first}")
    assert display._blank_questions  # kept for the next link of the version
    reused = _page(app.test_client(), f"/s/{first}")
    assert CSRF_FIELD.sub("", reused) == CSRF_FIELD.sub("", afresh)
    other = _page(app.test_client(), f"/s/{second}")
    assert f'action="/s/{second}"' in other and first not in other


def test_the_kept_questions_hold_no_token_and_no_csrf_token(app):
    open_wave(app)
    [token] = invite(app)
    client = app.test_client()
    display._blank_questions.clear()
    page = _page(client, f"/s/{token}")
    kept = "".join(display._blank_questions.values())
    assert token not in kept and "csrf_token" not in kept
    assert csrf_token_from(page) not in kept


def test_blank_questions_are_kept_per_language(app):
    open_wave(app)
    [token] = invite(app)
    display._blank_questions.clear()
    danish = _page(app.test_client(), f"/s/{token}")
    english = _page(app.test_client(), f"/s/{token}?lang=en")
    assert "Spørgsmål 1 af 2" in danish and "Question 1 of 2" in english
    assert "Question 1 of 2" not in danish and "Spørgsmål 1 af 2" not in english
    assert len(display._blank_questions) == 2


def test_a_saved_draft_is_shown_although_blank_questions_are_kept(app):
    open_wave(app)
    blank, resumed = invite(app, count=2)
    _page(app.test_client(), f"/s/{blank}")  # the blank questions are kept now
    client = app.test_client()
    form = {
        "csrf_token": csrf_token_from(_page(client, f"/s/{resumed}")),
        "action": "save",
        "item-forenklet_sagsbehandling": "2",
    }
    assert client.post(f"/s/{resumed}", data=form).status_code == 200
    html = _page(app.test_client(), f"/s/{resumed}")
    assert re.search(r'id="item-forenklet_sagsbehandling-2"[^>]*checked', html)
    assert not re.search(r"checked", _page(app.test_client(), f"/s/{blank}"))


def test_find_link_gives_the_rows_values_without_orm_instances(app):
    open_wave(app)
    [token] = invite(app)
    with app.app_context():
        session = get_session()
        invitation = session.exec(select(Invitation)).one()
        wave = session.get(Wave, invitation.wave_id)
        version = session.get(QuestionnaireVersion, wave.questionnaire_version_id)
        _parsed.pop(version.fingerprint, None)  # as in a worker that has not seen it yet
        found = find_link(session, token, app.config["SEAL_KEY"])
        assert found.version.definition == version.definition  # read when not parsed yet
        for row, plain in ((invitation, found.invitation), (wave, found.wave)):
            for column in type(row).__table__.columns:
                assert getattr(plain, column.name) == getattr(row, column.name), column.name
        for column in QuestionnaireVersion.__table__.columns:
            if column.name != "definition":
                assert getattr(found.version, column.name) == getattr(version, column.name)
        assert found.wave.title_in("en") == wave.title_in("en")
        assert not found.spent and found.draft is None
        session.rollback()
        from survey_app.registry import definition_of

        definition_of(found.version)
        again = find_link(session, token, app.config["SEAL_KEY"])
        assert again.version.definition is None  # parsed now: the JSON is not read again
        assert find_link(session, token + "x", app.config["SEAL_KEY"]) is None
