"""The e-mail fieldwork page: uploads (all or nothing), who sees addresses, the buttons, CSV."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import AuditEvent, Participant
from tests.conftest import count_rows, csrf_token_from, make_test_app, open_wave, signed_in_client

PAGE = "/dashboard/mail/ledighedsydelse/test-open"


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, MAIL_RATE_PER_MINUTE=600000)
    open_wave(app)
    yield app
    app.extensions["db_engine"].dispose()


def upload(client, text: str, municipality="Aalborg"):
    csrf = csrf_token_from(client.get(PAGE).text)
    data = {
        "csrf_token": csrf,
        "municipality": municipality,
        "file": (io.BytesIO(text.encode()), "liste.csv"),
    }
    return client.post(f"{PAGE}/participants", data=data, content_type="multipart/form-data")


def post(client, action: str, municipality="Aalborg"):
    csrf = csrf_token_from(client.get(PAGE).text)
    return client.post(f"{PAGE}/{action}", data={"csrf_token": csrf, "municipality": municipality})


def test_a_coordinator_uploads_a_list_and_sees_it(app):
    client = signed_in_client(app, "coordinator", ["Aalborg"])
    reply = upload(client, "email;navn;afdeling\nanna@example.dk;Anna;Jobcenter\nBo@Example.dk;;\n")
    assert reply.status_code == 303
    page = client.get(PAGE).text
    assert "anna@example.dk" in page and "bo@example.dk" in page and "Jobcenter" in page
    assert count_rows(app, Participant) == 2


def test_a_bad_upload_names_the_lines_and_adds_nothing(app):
    client = signed_in_client(app, "admin")
    text = "email\nanna@example.dk\nikke-en-adresse\nanna@example.dk\nbo@example.dk\n"
    reply = upload(client, text)
    assert reply.status_code == 400
    assert "linje 3" in reply.text and "ikke en gyldig e-mailadresse" in reply.text
    assert "linje 4: anna@example.dk står også på linje 2" in reply.text
    assert count_rows(app, Participant) == 0
    assert upload(client, "anna@example.dk\n").status_code == 303
    again = upload(client, "carl@example.dk\nanna@example.dk\n")
    assert again.status_code == 400
    assert "linje 2: anna@example.dk står allerede på listen" in again.text
    assert count_rows(app, Participant) == 1  # carl was not added either
    assert upload(client, "").status_code == 400
    assert upload(client, "\xff".encode("latin-1").decode("latin-1") + "@x.dk").status_code == 400


def test_addresses_are_shown_only_to_admins_and_the_own_coordinator(app):
    admin = signed_in_client(app, "admin")
    assert upload(admin, "anna@example.dk\n", "Aalborg").status_code == 303
    assert upload(admin, "bo@example.dk\n", "Frederikshavn").status_code == 303
    own = signed_in_client(app, "coordinator", ["Aalborg"]).get(PAGE).text
    assert "anna@example.dk" in own and "bo@example.dk" not in own
    evaluator = signed_in_client(app, "evaluator").get(PAGE)
    assert evaluator.status_code == 200
    assert "anna@example.dk" not in evaluator.text and "bo@example.dk" not in evaluator.text
    assert "Svarprocent" in evaluator.text
    assert signed_in_client(app, "caseworker", ["Aalborg"]).get(PAGE).status_code == 403


def test_a_coordinator_cannot_upload_or_send_for_another_municipality(app):
    client = signed_in_client(app, "coordinator", ["Aalborg"])
    assert upload(client, "anna@example.dk\n", "Frederikshavn").status_code == 403
    assert post(client, "send", "Frederikshavn").status_code == 403
    assert post(client, "remind", "").status_code == 400  # only admins may send to all
    assert count_rows(app, Participant) == 0
    evaluator = signed_in_client(app, "evaluator")
    csrf = csrf_token_from(evaluator.get(PAGE).text)
    form = {"municipality": "Aalborg", "csrf_token": csrf}
    assert evaluator.post(f"{PAGE}/send", data=form).status_code == 403


def test_send_and_remind_buttons_and_the_mailing_table(app, tmp_path):
    client = signed_in_client(app, "coordinator", ["Aalborg"])
    upload(client, "anna@example.dk\nbo@example.dk\n")
    assert post(client, "send").status_code == 303
    page = client.get(PAGE).text
    assert "Invitationer til 2 er sendt" in page
    assert "sendt: 2" in page
    assert len(list((tmp_path / "instance" / "mail").glob("invitation-*.eml"))) == 2
    assert post(client, "remind").status_code == 303
    page = client.get(PAGE).text
    assert "Påmindelser til 2 er sendt" in page and "Påmindelse</td>" in page
    assert post(client, "remind").status_code == 303  # nobody is due again so soon
    assert "Der er ingen at sende til lige nu" in client.get(PAGE).text
    with app.app_context():
        actions = [e.action for e in get_session().execute(select(AuditEvent)).scalars()]
    assert {"add_participants", "queue_invitations", "queue_reminders"} <= set(actions)


def test_rates_csv_has_counts_and_no_addresses(app):
    client = signed_in_client(app, "admin")
    upload(client, "anna@example.dk\nbo@example.dk\n")
    post(client, "send")
    csv_text = client.get(f"{PAGE}/rates.csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("kommune,inviteret,mailet,afvist_adresse")
    assert lines[1] == "Aalborg,2,2,0,0,0,0,0.0"
    assert "@" not in csv_text


def test_a_reminder_schedule_is_checked_and_saved(app):
    client = signed_in_client(app, "admin")
    csrf = csrf_token_from(client.get(PAGE).text)
    bad = client.post(f"{PAGE}/schedule", data={"csrf_token": csrf, "days": "7, x"})
    assert bad.status_code == 400
    ok = client.post(f"{PAGE}/schedule", data={"csrf_token": csrf, "days": "14,7"})
    assert ok.status_code == 303
    assert 'value="7, 14"' in client.get(PAGE).text


def test_unknown_wave_is_not_found(app):
    client = signed_in_client(app, "admin")
    assert client.get("/dashboard/mail/ledighedsydelse/nope").status_code == 404
