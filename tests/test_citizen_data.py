"""Citizens' privacy duties: export everything about a pseudonym, erase it, and log both."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.models import (
    Answer,
    AuditEvent,
    Citizen,
    Invitation,
    KioskSession,
    Response,
    User,
)
from survey_app.registry import find_municipality, find_version
from tests.conftest import add_user, count_rows, csrf_token_from, invite, open_wave

PIN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$not-a-real-pin-hash"


def submit(app, token, answers):
    client = app.test_client()
    csrf = csrf_token_from(client.get(f"/s/{token}").get_data(as_text=True))
    reply = client.post(f"/s/{token}", data=dict(answers, action="submit", csrf_token=csrf))
    assert reply.status_code == 303


def item_fields(app, token):
    html = app.test_client().get(f"/s/{token}").get_data(as_text=True)
    return sorted(set(re.findall(r'name="(item-[a-z_]+)"', html)))


def register(app, pseudonym, municipality, session_id, draft):
    """A registered citizen with one tablet session, inserted directly."""
    with app.app_context():
        session = get_session()
        caseworker = session.execute(
            select(User).where(User.email == "sagsbehandler@example.dk")
        ).scalar_one()
        citizen = Citizen(
            pseudonym=pseudonym,
            municipality_id=find_municipality(session, municipality).id,
            created_by=caseworker.id,
        )
        session.add(citizen)
        session.flush()
        session.add(
            KioskSession(
                id=session_id,
                occasion_key=f"occasion-{session_id}",
                citizen_id=citizen.id,
                questionnaire_version_id=find_version(session, "en-plan").id,
                caseworker_id=caseworker.id,
                pin_hash=PIN_HASH,
                draft=json.dumps(draft),
                status="paused",
            )
        )
        session.commit()


def setup_two_citizens(app):
    """sag-1: two responses, an unused invitation, registration and a tablet session.
    sag-2: one response, registration and a tablet session (must survive sag-1's erasure)."""
    open_wave(app, questionnaire="en-plan", key="e-open")
    first, second, unused = invite(
        app, questionnaire="en-plan", wave="e-open", municipality="Furesø", count=3,
        respondent_keys=["sag-1", "sag-1", "sag-1"],
    )  # fmt: skip
    [other] = invite(
        app, questionnaire="en-plan", wave="e-open", municipality="Furesø",
        respondent_keys=["sag-2"],
    )  # fmt: skip
    fields = item_fields(app, first)
    answers = {name: "4" for name in fields}
    answers[fields[0]] = "ved_ikke"
    submit(app, first, answers)
    submit(app, second, {name: "2" for name in fields})
    submit(app, other, {name: "5" for name in fields})
    add_user(app, "sagsbehandler@example.dk", "caseworker", ["Furesø"])
    register(
        app, "sag-1", "Furesø", "kiosk-secret-session-id-1", {fields[1].removeprefix("item-"): 3}
    )
    register(app, "sag-2", "Furesø", "kiosk-secret-session-id-2", {})
    return fields


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(main, list(args), **kwargs)


def rows_of(app, model, *conditions) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).where(*conditions)
        return get_session().execute(query).scalar_one()


def answers_of(app, pseudonym) -> int:
    return rows_of(
        app,
        Answer,
        Answer.response_id.in_(select(Response.id).where(Response.respondent_key == pseudonym)),
    )


def audit_events(app, action):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(get_session().execute(query).scalars())


def test_export_has_answers_with_labels_and_no_secrets(app, tmp_path):
    fields = setup_two_citizens(app)
    target = tmp_path / "sag-1.json"
    result = run(app, "citizen-export", "sag-1", "--output", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    data = json.loads(text)
    assert "Furesø" in text and "\\u" not in text  # UTF-8, not escaped
    assert data["pseudonym"] == "sag-1"
    assert data["citizen"]["pseudonym"] == "sag-1"
    assert data["citizen"]["municipality"] == "Furesø"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", data["citizen"]["created_at"])

    responses = data["responses"]
    assert len(responses) == 2
    dont_know_item = fields[0].removeprefix("item-")
    first = next(r for r in responses if {a["missing"] for a in r["answers"]} == {None, "ved_ikke"})
    assert first["questionnaire"]["key"] == "en-plan" and first["questionnaire"]["version"] == 1
    assert first["questionnaire"]["title"] == "Én plan – sådan går det"
    assert first["wave"]["key"] == "e-open" and first["municipality"] == "Furesø"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", first["submitted_at"])
    assert len(first["answers"]) == len(fields)
    dont_know = next(a for a in first["answers"] if a["item"] == dont_know_item)
    agree = next(a for a in first["answers"] if a["item"] != dont_know_item)
    assert dont_know["value"] is None and dont_know["label"] == "Ved ikke"
    assert dont_know["text"]  # the Danish question text
    assert (agree["value"], agree["label"], agree["missing"]) == (4, "Enig", None)
    second = next(r for r in responses if r is not first)
    assert {a["label"] for a in second["answers"]} == {"Uenig"}

    [kiosk] = data["tablet_sessions"]
    assert kiosk["status"] == "paused" and kiosk["questionnaire"]["key"] == "en-plan"
    assert kiosk["draft_answers"] == [
        {
            "item": fields[1].removeprefix("item-"),
            "text": kiosk["draft_answers"][0]["text"],
            "value": 3,
            "label": "Hverken enig eller uenig",
            "missing": None,
        }
    ]
    assert [i["used"] for i in data["invitations"]] == [True, True, False]

    # Never secrets, never another citizen.
    assert "pin_hash" not in text and PIN_HASH not in text
    assert "kiosk-secret-session-id" not in text and "occasion-" not in text
    assert "token_hash" not in text and "sag-2" not in text

    [event] = audit_events(app, "citizen_export")
    assert event.target == "sag-1" and event.municipality == "Furesø"
    assert event.actor.startswith("cli")


def test_export_to_stdout_of_responses_without_registration(app):
    open_wave(app, questionnaire="en-plan", key="e-open")
    [token] = invite(
        app, questionnaire="en-plan", wave="e-open", municipality="Allerød",
        respondent_keys=["uregistreret"],
    )  # fmt: skip
    submit(app, token, {name: "1" for name in item_fields(app, token)})
    result = run(app, "citizen-export", "uregistreret")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["citizen"] is None and data["tablet_sessions"] == []
    assert {a["label"] for a in data["responses"][0]["answers"]} == {"Helt uenig"}
    [event] = audit_events(app, "citizen_export")
    assert event.target == "uregistreret" and event.municipality == "Allerød"


def test_erase_leaves_nothing_of_the_citizen_and_keeps_the_other(app):
    fields = setup_two_citizens(app)
    other_answers = answers_of(app, "sag-2")
    assert answers_of(app, "sag-1") == 2 * len(fields) and other_answers == len(fields)

    result = run(app, "citizen-erase", "sag-1", "--yes")
    assert result.exit_code == 0, result.output

    assert rows_of(app, Response, Response.respondent_key == "sag-1") == 0
    assert answers_of(app, "sag-1") == 0
    assert rows_of(app, Invitation, Invitation.respondent_key == "sag-1") == 0
    assert rows_of(app, Citizen, Citizen.pseudonym == "sag-1") == 0
    assert rows_of(app, KioskSession, KioskSession.id == "kiosk-secret-session-id-1") == 0
    # No orphaned answer or tablet session anywhere: only sag-2's rows are left.
    assert count_rows(app, Answer) == other_answers
    assert count_rows(app, Response) == 1
    assert count_rows(app, KioskSession) == 1
    assert count_rows(app, Citizen) == 1
    assert rows_of(app, Invitation, Invitation.respondent_key == "sag-2") == 1
    assert rows_of(app, KioskSession, KioskSession.id == "kiosk-secret-session-id-2") == 1

    [event] = audit_events(app, "citizen_erase")
    assert event.target == (
        f"sag-1: erased 2 responses ({2 * len(fields)} answers) of en-plan v1, "
        "1 tablet session, 3 invitations, citizen registration"
    )
    assert event.municipality == "Furesø" and event.actor.startswith("cli")
    for answer_text in [
        "Enig",
        "Uenig",
        "Ved ikke",
        "Hverken",
        "ved_ikke",
        fields[1].removeprefix("item-"),
    ]:
        assert answer_text not in event.target

    # Erased means gone: a second export or erasure finds nothing.
    assert run(app, "citizen-export", "sag-1").exit_code != 0
    assert run(app, "citizen-erase", "sag-1", "--yes").exit_code != 0
    assert json.loads(run(app, "citizen-export", "sag-2").output)["responses"]


def test_erase_without_yes_asks_and_changes_nothing_without_an_answer(app):
    fields = setup_two_citizens(app)
    before = {m: count_rows(app, m) for m in (Response, Answer, Invitation, Citizen, KioskSession)}

    result = run(app, "citizen-erase", "sag-1", input="")
    assert result.exit_code != 0
    assert f"2 responses ({2 * len(fields)} answers) of en-plan v1" in result.output
    assert "Aborted" in result.output
    refused = run(app, "citizen-erase", "sag-1", input="n\n")
    assert refused.exit_code != 0

    assert {m: count_rows(app, m) for m in before} == before
    assert audit_events(app, "citizen_erase") == []

    confirmed = run(app, "citizen-erase", "sag-1", input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert answers_of(app, "sag-1") == 0 and count_rows(app, Citizen) == 1


def test_unknown_pseudonym_fails_for_both_commands(app):
    setup_two_citizens(app)
    before = {m: count_rows(app, m) for m in (Response, Answer, Citizen, AuditEvent)}
    for command in (["citizen-export", "ukendt"], ["citizen-erase", "ukendt", "--yes"]):
        result = run(app, *command)
        assert result.exit_code != 0
        assert "nothing is stored about a citizen with pseudonym 'ukendt'" in result.output
    assert {m: count_rows(app, m) for m in before} == before
