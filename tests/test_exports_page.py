"""The "Data og eksport" pages and the CSV for Danish Excel (issue 10, point 6)."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import update

from survey_app.db import get_session
from survey_app.export import EXPORT_COLUMNS
from survey_app.models import Wave
from tests.conftest import csrf_token_from, invite, open_wave, signed_in_client

Q = "ledighedsydelse"


def submit(app, token):
    client = app.test_client()
    csrf = csrf_token_from(client.get(f"/s/{token}").text)
    reply = client.post(
        f"/s/{token}",
        data={
            "item-forenklet_sagsbehandling": "2",
            "item-kvalitet_revurdering": "3",
            "action": "submit",
            "csrf_token": csrf,
        },
    )
    assert reply.status_code == 303


def links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/export/[^"]+)"', html)]


def test_the_dashboard_links_to_the_export_page_for_those_who_may_export(app):
    open_wave(app, key="runde-a")
    invite(app, wave="runde-a", municipality="Aalborg", count=2)
    for role, places, expected in (
        ("evaluator", (), True),
        ("coordinator", ("Aalborg",), True),
        ("caseworker", ("Aalborg",), False),
    ):
        page = signed_in_client(app, role, places).get("/dashboard/").text
        assert (f'href="/export/{Q}/"' in page) is expected, role
        assert (f'href="/export/{Q}/runde-a/"' in page) is expected, role
        assert ('href="/export/"' in page) is expected, role


def test_the_export_page_lists_every_format_with_what_it_is_for(app):
    open_wave(app, key="runde-a")
    page = signed_in_client(app, "evaluator").get(f"/export/{Q}/runde-a/")
    assert page.status_code == 200
    text = page.text
    assert "Data og eksport" in text and "Test runde-a" in text
    hrefs = links(text)
    for suffix in ("csv", "excel.csv", "wide.csv", "xlsx", "sav", "codebook.csv"):
        assert f"/export/{Q}.{suffix}?wave=runde-a" in hrefs, suffix
    for purpose in ("R, Stata", "Excel", "SPSS", "kolonne pr. spørgsmål", "Kodebog"):
        assert purpose in text


def test_the_municipality_choice_is_limited_to_what_the_user_may_see(app):
    coordinator = signed_in_client(app, "coordinator", ("Aalborg",))
    page = coordinator.get(f"/export/{Q}/").text
    options = re.findall(r'<option value="([^"]*)"', page)
    assert options == ["", "Aalborg"]
    chosen = coordinator.get(f"/export/{Q}/?municipality=Aalborg").text
    assert f"/export/{Q}.csv?municipality=Aalborg" in links(chosen)
    assert coordinator.get(f"/export/{Q}/?municipality=Thisted").status_code == 403
    everyone = signed_in_client(app, "evaluator").get(f"/export/{Q}/").text
    assert {"Aalborg", "Thisted", "Læsø"} <= set(re.findall(r'<option value="([^"]*)"', everyone))


def test_caseworkers_may_not_see_the_export_pages(app):
    caseworker = signed_in_client(app, "caseworker", ("Aalborg",))
    assert caseworker.get("/export/").status_code == 403
    assert caseworker.get(f"/export/{Q}/").status_code == 403


def test_unknown_questionnaire_or_wave_is_404(app):
    evaluator = signed_in_client(app, "evaluator")
    assert evaluator.get("/export/findes-ikke/").status_code == 404
    assert evaluator.get(f"/export/{Q}/findes-ikke/").status_code == 404


def test_csv_content_type_names_the_charset_once(app):
    reply = signed_in_client(app, "evaluator").get(f"/export/{Q}.csv")
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_excel_csv_has_a_bom_semicolons_and_inert_formulas(app):
    open_wave(app, key="cmd")
    for token in invite(app, wave="cmd", municipality="Læsø", count=2):
        submit(app, token)
    with app.app_context():  # a wave stored before wave keys had to follow the pattern
        session = get_session()
        session.execute(update(Wave).where(Wave.key == "cmd").values(key="-cmd"))
        session.commit()
    reply = signed_in_client(app, "evaluator").get(f"/export/{Q}.excel.csv")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = reply.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == EXPORT_COLUMNS
    assert len(rows) == 1 + 2 * 2
    assert {r[EXPORT_COLUMNS.index("wave")] for r in rows[1:]} == {"'-cmd"}
    assert {r[EXPORT_COLUMNS.index("municipality")] for r in rows[1:]} == {"Læsø"}
    assert "filename*=UTF-8" in reply.headers["Content-Disposition"]
    assert "excel" in reply.headers["Content-Disposition"]
