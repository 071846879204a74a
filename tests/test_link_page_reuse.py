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


def _rendered_afresh(app, token, lang="da"):
    """The link page as the template renders it, nothing reused."""
    from flask import render_template
    from flask_babel import force_locale

    with app.test_request_context(f"/s/{token}"), force_locale(lang):
        from survey_app.answering.responses import find_context

        ctx = find_context(get_session(), token, app.config["SEAL_KEY"])
        shown = [item.key for item in ctx.definition.items]
        return render_template(
            "answer.html", ctx=ctx, q=ctx.definition, answers={}, errors=set(), problems={},
            raw={}, notice=None, shown=shown, numbers=display.question_numbers(shown),
            new_items=set(), routed=False, lang=lang,
        )  # fmt: skip


def test_a_blank_form_is_the_page_the_template_renders(app):
    open_wave(app)
    first, second = invite(app, count=2)
    display._blank_pages.clear()
    for token in (first, second, first):
        page = _page(app.test_client(), f"/s/{token}")
        assert CSRF_FIELD.sub("", page) == CSRF_FIELD.sub("", _rendered_afresh(app, token))
        assert f'action="/s/{token}"' in page
    assert len(display._blank_pages) == 1


def test_every_request_gets_its_own_csrf_token_and_the_kept_page_none(app):
    open_wave(app)
    first, second = invite(app, count=2)
    display._blank_pages.clear()
    one, other = app.test_client(), app.test_client()
    pages = [_page(one, f"/s/{first}"), _page(other, f"/s/{second}")]
    tokens = [csrf_token_from(page) for page in pages]
    assert tokens[0] != tokens[1]
    [kept] = display._blank_pages.values()
    assert first not in kept and second not in kept
    assert not any(token in kept for token in tokens)
    assert display.CSRF_SLOT in kept and display.ACTION_SLOT in kept
    form = {"csrf_token": tokens[0], "action": "submit", "item-forenklet_sagsbehandling": "2",
            "item-kvalitet_revurdering": "1"}  # fmt: skip
    assert other.post(f"/s/{first}", data=form).status_code == 400  # not its session's token
    assert one.post(f"/s/{first}", data=form).status_code == 303


def test_blank_pages_are_kept_per_language_and_wave_title(app):
    open_wave(app)
    [token] = invite(app)
    display._blank_pages.clear()
    danish = _page(app.test_client(), f"/s/{token}")
    english = _page(app.test_client(), f"/s/{token}?lang=en")
    assert "Spørgsmål 1 af 2" in danish and "Question 1 of 2" in english
    assert "Question 1 of 2" not in danish and "Spørgsmål 1 af 2" not in english
    assert '<html lang="en">' in english
    assert len(display._blank_pages) == 2
    with app.app_context():
        session = get_session()
        wave = session.exec(select(Wave)).all()[-1]
        wave.title = "Ny titel på runden"
        session.commit()
    assert "Ny titel på runden" in _page(app.test_client(), f"/s/{token}")


def test_a_saved_draft_is_shown_although_a_blank_page_is_kept(app):
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


def test_the_session_cookie_is_flasks_signed_cookie_with_a_kept_serializer(app):
    from flask.sessions import SecureCookieSessionInterface

    open_wave(app)
    [token] = invite(app)
    client = app.test_client()
    page = _page(client, f"/s/{token}")
    cookie = client.get_cookie("session").value
    data = SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie)
    assert data["csrf_token"]  # what the form's token is made from
    assert csrf_token_from(page)
    kept = app.session_interface
    assert kept.get_signing_serializer(app) is kept.get_signing_serializer(app)
    old = kept.get_signing_serializer(app)
    app.secret_key = "another-secret-key"
    new = kept.get_signing_serializer(app)
    assert new is not old
    assert new.loads(SecureCookieSessionInterface().get_signing_serializer(app).dumps({"a": 1}))
    app.secret_key = "test-secret-key"


def test_warm_up_compiles_the_respondent_templates(app):
    from survey_app import RESPONDENT_TEMPLATES, warm_up

    app.jinja_env.cache.clear()
    warm_up(app)
    compiled = {name for _loader, name in app.jinja_env.cache.keys()}  # noqa: SIM118
    assert compiled >= set(RESPONDENT_TEMPLATES)


def _stored(session):
    from survey_app.answer_counts import stored_counts
    from survey_app.models import Answer, Response

    responses = [
        {c.name: getattr(r, c.name) for c in Response.__table__.columns if c.name != "id"}
        for r in session.exec(select(Response)).all()
    ]
    answers = sorted(
        (a.item_key, a.position, a.value, a.text_value, a.missing)
        for a in session.exec(select(Answer)).all()
    )
    return responses, answers, stored_counts(session)


def test_a_submission_in_one_statement_stores_what_three_statements_stored(app, database_url):
    """store_submission (one statement on PostgreSQL) against insert_response and
    store_answers, for a version with text items, missing codes and skipped items."""
    from survey_app.answer_counts import insert_response, store_answers, store_submission
    from survey_app.answering.answers import OpenText
    from survey_app.answering.responses import answer_rows, find_context
    from survey_app.models import Answer, AnswerCount, Response

    open_wave(app, "revalidering", version=2)
    one, other = invite(app, "revalidering", count=2)
    answers = {
        "grad": 3,
        "hyppighed": "ved_ikke",
        "saerlige_sagstyper_lae265": 1,
        "hvilke_sagstyper": OpenText("Sager, hvor…"),
    }
    results = []
    with app.app_context():
        session = get_session()
        for token, store in ((one, "one"), (other, "three")):
            for model in (Answer, Response, AnswerCount):
                session.execute(model.__table__.delete())
            ctx = find_context(session, token, app.config["SEAL_KEY"])
            response = Response(
                id=f"response-{store}", questionnaire_version_id=ctx.version.id,
                wave_id=ctx.wave.id, municipality_id=ctx.invitation.municipality_id,
                submitted_at=ctx.wave.opens_at, is_demo=False,
            )  # fmt: skip
            rows = answer_rows(ctx.definition, response.id, answers)
            if store == "one":
                store_submission(session, response, rows)
            else:
                insert_response(session, response)
                store_answers(session, response, rows)
            session.flush()
            results.append(_stored(session))
        session.rollback()
    (r1, a1, c1), (r2, a2, c2) = results
    assert r1 == r2 and a1 == a2 and c1 == c2
    assert any(text == "Sager, hvor…" for _k, _p, _v, text, _m in a1)
    assert sum(c1.values()) == len(a1) - sum(1 for *_x, text, _m in a1 if text is not None)
