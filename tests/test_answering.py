"""Answering by link: the happy path and every refusal, against a real database."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlmodel import select

from survey_app.answering.links import link_seal
from survey_app.db import get_session
from survey_app.models import Answer, Invitation, LinkDraft, Response, SpentLink
from tests.conftest import count_rows, csrf_token_from, invite, make_test_app, open_wave

FULL_ANSWERS = {"item-forenklet_sagsbehandling": "4", "item-kvalitet_revurdering": "2"}


@pytest.fixture
def token(app):
    open_wave(app)
    return invite(app)[0]


def get_form(client, token):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def post(client, token, data, action="submit", csrf=True):
    form = dict(data, action=action)
    if csrf:
        form["csrf_token"] = csrf_token_from(get_form(client, token))
    return client.post(f"/s/{token}", data=form)


def test_form_has_a_fieldset_with_legend_and_labelled_radios_per_item(client, token):
    html = get_form(client, token)
    assert html.count("<fieldset") == 2
    assert html.count("<legend>") == 2
    assert "I hvor høj grad har fritagelse for revurdering" in html
    radio_ids = re.findall(r'<input type="radio" id="([^"]+)"', html)
    assert len(radio_ids) == 5 + 1 + 4 + 1  # options plus "Ved ikke" on both items
    for radio_id in radio_ids:
        assert f'<label for="{radio_id}">' in html
    assert "<script" not in html  # answering needs no JavaScript
    assert "Gem og fortsæt senere" in html


def test_complete_submission_is_stored_once_and_anonymously(app, client, token):
    response = post(client, token, FULL_ANSWERS)
    assert response.status_code == 303
    assert "Tak for dine svar" in client.get(f"/s/{token}").get_data(as_text=True)
    with app.app_context():
        session = get_session()
        [stored] = session.exec(select(Response)).all()
        answers = {a.item_key: (a.value, a.missing) for a in session.exec(select(Answer)).all()}
        invitation = session.exec(select(Invitation)).one()
        spent = session.exec(select(SpentLink)).all()
        drafts = session.exec(select(LinkDraft)).all()
    assert answers == {"forenklet_sagsbehandling": (4, None), "kvalitet_revurdering": (2, None)}
    assert stored.invitation_id is None and stored.respondent_key is None
    submitted = stored.submitted_at
    assert (submitted.hour, submitted.minute, submitted.second) == (0, 0, 0)
    assert [s.seal for s in spent] == [link_seal("test-secret-seal", invitation.token_hash)]
    assert drafts == []


def test_ved_ikke_is_stored_as_a_missing_code_not_a_number(app, client, token):
    answers = dict(FULL_ANSWERS, **{"item-kvalitet_revurdering": "ved_ikke"})
    assert post(client, token, answers).status_code == 303
    with app.app_context():
        row = (
            get_session()
            .exec(select(Answer).where(Answer.item_key == "kvalitet_revurdering"))
            .one()
        )
    assert (row.value, row.missing) == (None, "ved_ikke")


def test_used_link_says_received_and_stores_no_second_response(app, client, token):
    assert post(client, token, FULL_ANSWERS).status_code == 303
    again = client.post(f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token="x"))
    # The CSRF check runs first; with a valid token the answer is the same "received" page.
    assert again.status_code in (400, 409)
    other_client = app.test_client()
    page = other_client.get(f"/s/{token}")
    assert page.status_code == 200 and "Vi har modtaget dine svar" in page.get_data(as_text=True)
    assert count_rows(app, Response) == 1


def test_second_submission_with_valid_csrf_gets_409(app, client, token):
    html = get_form(client, token)
    csrf = csrf_token_from(html)
    first = client.post(f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token=csrf))
    second = client.post(f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token=csrf))
    assert (first.status_code, second.status_code) == (303, 409)
    assert "Vi har modtaget dine svar" in second.get_data(as_text=True)
    assert count_rows(app, Response) == 1
    assert count_rows(app, Answer) == 2


def test_missing_csrf_token_is_refused_with_400_and_nothing_stored(app, client, token):
    get_form(client, token)
    response = post(client, token, FULL_ANSWERS, csrf=False)
    assert response.status_code == 400
    assert "sikkerhedstegn" in response.get_data(as_text=True)
    assert count_rows(app, Response) == 0


def test_wrong_csrf_token_is_refused_with_400(app, client, token):
    get_form(client, token)
    response = client.post(
        f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token="forged.token")
    )
    assert response.status_code == 400
    assert count_rows(app, Response) == 0


@pytest.mark.parametrize(
    "forged",
    [
        {"item-forenklet_sagsbehandling": "6"},
        {"item-forenklet_sagsbehandling": "0"},
        {"item-forenklet_sagsbehandling": "-1"},
        {"item-forenklet_sagsbehandling": "4.5"},
        {"item-forenklet_sagsbehandling": "fire"},
        {"item-kvalitet_revurdering": "5"},  # the quality scale has four options
        {"item-ikke_et_spoergsmaal": "1"},
    ],
)
def test_value_that_is_not_an_option_gets_400_and_nothing_stored(app, client, token, forged):
    response = post(client, token, dict(FULL_ANSWERS, **forged))
    assert response.status_code == 400
    assert "Intet er gemt" in response.get_data(as_text=True)
    assert count_rows(app, Response) == 0
    assert count_rows(app, SpentLink) == 0


def test_two_values_for_one_item_are_refused(app, client, token):
    csrf = csrf_token_from(get_form(client, token))
    data = [
        ("csrf_token", csrf),
        ("action", "submit"),
        ("item-forenklet_sagsbehandling", "1"),
        ("item-forenklet_sagsbehandling", "5"),
        ("item-kvalitet_revurdering", "2"),
    ]
    from werkzeug.datastructures import MultiDict

    response = client.post(f"/s/{token}", data=MultiDict(data))
    assert response.status_code == 400
    assert count_rows(app, Response) == 0


def test_missing_required_answer_shows_the_form_again_with_message_beside_item(app, client, token):
    response = post(client, token, {"item-forenklet_sagsbehandling": "3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="err-kvalitet_revurdering"' in html
    assert 'aria-describedby="err-kvalitet_revurdering"' in html
    assert 'id="err-forenklet_sagsbehandling"' not in html
    # The answer already given is kept.
    assert re.search(r'id="item-forenklet_sagsbehandling-3"[^>]*checked', html)
    assert count_rows(app, Response) == 0


def test_save_part_way_and_resume_from_the_same_link(app, client, token):
    saved = post(client, token, {"item-forenklet_sagsbehandling": "2"}, action="save")
    assert saved.status_code == 200
    assert "Dine svar er gemt" in saved.get_data(as_text=True)
    assert count_rows(app, Response) == 0
    resumed = app.test_client().get(f"/s/{token}").get_data(as_text=True)
    assert re.search(r'id="item-forenklet_sagsbehandling-2"[^>]*checked', resumed)
    assert count_rows(app, LinkDraft) == 1
    assert post(client, token, FULL_ANSWERS).status_code == 303
    assert count_rows(app, LinkDraft) == 0


def test_forged_value_in_a_save_is_refused_and_keeps_the_old_draft(app, client, token):
    post(client, token, {"item-forenklet_sagsbehandling": "2"}, action="save")
    response = post(client, token, {"item-forenklet_sagsbehandling": "9"}, action="save")
    assert response.status_code == 400
    with app.app_context():
        draft = get_session().exec(select(LinkDraft)).one().answers
    assert draft == '{"forenklet_sagsbehandling": 2}'


def test_unknown_action_is_refused(app, client, token):
    assert post(client, token, FULL_ANSWERS, action="delete").status_code == 400
    assert count_rows(app, Response) == 0


def test_unknown_token_gets_404(client):
    response = client.get("/s/this-token-does-not-exist")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.get_data(as_text=True)


def test_closed_wave_gets_410_and_refuses_answers(app, client):
    open_wave(app, key="closed", days_open=(-30, -1))
    [closed_token] = invite(app, wave="closed")
    page = client.get(f"/s/{closed_token}")
    assert page.status_code == 410
    assert "Spørgeskemaet er lukket" in page.get_data(as_text=True)
    refused = client.post(f"/s/{closed_token}", data=dict(FULL_ANSWERS, action="submit"))
    assert refused.status_code in (400, 410)
    assert count_rows(app, Response) == 0


def test_wave_not_yet_open_says_so(app, client):
    open_wave(app, key="later", days_open=(5, 30))
    [later_token] = invite(app, wave="later")
    page = client.get(f"/s/{later_token}")
    assert page.status_code == 403
    assert "ikke åbnet endnu" in page.get_data(as_text=True)


def test_expired_csrf_token_shows_the_form_again_with_answers_kept(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, WTF_CSRF_TIME_LIMIT=1)
    open_wave(app)
    [token] = invite(app)
    client = app.test_client()
    csrf = csrf_token_from(get_form(client, token))
    time.sleep(2.1)
    response = client.post(f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token=csrf))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Svarene står her stadig" in html
    assert re.search(r'id="item-forenklet_sagsbehandling-4"[^>]*checked', html)
    assert count_rows(app, Response) == 0
    # The page carries a fresh token, so sending again works.
    again = client.post(
        f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token=csrf_token_from(html))
    )
    assert again.status_code == 303
    app.extensions["db_engine"].dispose()


def test_lost_session_shows_the_form_again_with_answers_kept(app, token):
    csrf = csrf_token_from(get_form(app.test_client(), token))
    fresh_browser = app.test_client()  # no session cookie: the session has expired
    response = fresh_browser.post(
        f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token=csrf)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="item-kvalitet_revurdering-2"[^>]*checked', html)
    assert count_rows(app, Response) == 0


def test_repeated_unknown_tokens_get_429(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, TOKEN_GUESS_LIMIT="3 per minute")
    open_wave(app)
    [token] = invite(app)
    client = app.test_client()
    # Valid links do not count towards the limit.
    for _ in range(5):
        assert client.get(f"/s/{token}").status_code == 200
    statuses = [client.get(f"/s/guess-{n}").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    # Another client is not affected.
    other = app.test_client()
    assert other.get("/s/guess-x", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 404
    app.extensions["db_engine"].dispose()


def test_simultaneous_submissions_of_one_link_give_exactly_one_response(app, token):
    clients = [app.test_client() for _ in range(4)]
    tokens = [csrf_token_from(get_form(c, token)) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def submit(client, csrf):
        barrier.wait()
        reply = client.post(
            f"/s/{token}", data=dict(FULL_ANSWERS, action="submit", csrf_token=csrf)
        )
        statuses.append(reply.status_code)

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [303, 409, 409, 409]
    assert count_rows(app, Response) == 1
    assert count_rows(app, Answer) == 2


def test_citizen_response_keeps_pseudonym_and_time(app, client):
    open_wave(app, questionnaire="en-plan", key="en-plan-test")
    [citizen_token] = invite(
        app, questionnaire="en-plan", wave="en-plan-test", municipality="Furesø",
        respondent_keys=["sag-123"],
    )  # fmt: skip
    html = get_form(client, citizen_token)
    items = sorted(set(re.findall(r'name="(item-[a-z_]+)"', html)))
    assert 8 <= len(items) <= 12
    answers = {name: "4" for name in items}
    assert post(client, citizen_token, answers).status_code == 303
    with app.app_context():
        stored = get_session().exec(select(Response)).one()
    assert stored.respondent_key == "sag-123"
    assert stored.invitation_id is not None
    # Not anonymous: the full time is kept (not truncated to the date).
    assert stored.submitted_at.microsecond != 0 or stored.submitted_at.second != 0
