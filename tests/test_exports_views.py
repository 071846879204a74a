"""The export URLs: who may download what, audit rows, headers, and the files' contents."""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest
from openpyxl import load_workbook
from sqlmodel import select

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.export import EXPORT_COLUMNS
from survey_app.models import AuditEvent
from tests.conftest import signed_in_client

FORMATS = ("csv", "wide.csv", "xlsx", "sav", "codebook.csv")
Q = "ledighedsydelse"


@pytest.fixture
def demo(app):
    """The app with reproducible demo data (Aalborg, Thisted and others; two waves)."""
    result = app.test_cli_runner().invoke(main, ["demo-data", "--seed", "1"])
    assert result.exit_code == 0, result.output
    return app


def audit_events(app, action):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return get_session().exec(query).all()


def fetch(client, url):
    """GET ``url`` and read the whole (possibly streamed) body, as a browser would."""
    reply = client.get(url)
    reply.get_data()
    reply.close()
    return reply


def rows_of(reply):
    return list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))


@pytest.mark.parametrize("role", ["admin", "evaluator"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_admin_and_evaluator_may_export_any_municipality(demo, role, fmt):
    client = signed_in_client(demo, role)
    for place in ("Aalborg", "Thisted"):
        reply = fetch(client, f"/export/{Q}.{fmt}?municipality={place}")
        assert reply.status_code == 200, reply.text
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["Content-Disposition"].startswith("attachment;")
    events = audit_events(demo, "export")
    assert [e.municipality for e in events] == ["Aalborg", "Thisted"]
    assert {e.outcome for e in events} == {"ok"} and events[0].target.startswith(f"/export/{Q}.")


@pytest.mark.parametrize("fmt", FORMATS)
def test_coordinator_gets_own_municipality_and_403_for_another(demo, fmt):
    client = signed_in_client(demo, "coordinator", ["Aalborg"])
    assert fetch(client, f"/export/{Q}.{fmt}?municipality=Aalborg").status_code == 200
    denied = fetch(client, f"/export/{Q}.{fmt}?municipality=Thisted")
    assert denied.status_code == 403
    assert "Content-Disposition" not in denied.headers and "Ingen adgang" in denied.text
    [event] = [e for e in audit_events(demo, "export") if e.outcome == "denied"]
    assert event.municipality == "Thisted" and event.target.endswith("municipality=Thisted")
    assert len(audit_events(demo, "export")) == 2  # the allowed one and the denied one


@pytest.mark.parametrize("fmt", ["csv", "wide.csv"])
def test_coordinator_without_municipality_gets_only_own_rows(demo, fmt):
    client = signed_in_client(demo, "coordinator", ["Aalborg"])
    reply = fetch(client, f"/export/{Q}.{fmt}")
    assert reply.status_code == 200
    assert "Thisted" not in reply.get_data(as_text=True)
    rows = rows_of(reply)
    assert rows and {r["municipality"] for r in rows} == {"Aalborg"}
    assert audit_events(demo, "export")[0].municipality is None


def test_coordinator_without_municipality_files_hold_only_own_rows(demo, tmp_path):
    client = signed_in_client(demo, "coordinator", ["Aalborg", "Hjørring"])
    target = tmp_path / "svar.sav"
    target.write_bytes(fetch(client, f"/export/{Q}.sav").data)
    frame, _ = pyreadstat.read_sav(str(target))
    assert set(frame["municipality"]) == {"Aalborg", "Hjørring"}
    long = rows_of(fetch(client, f"/export/{Q}.csv"))
    assert {r["municipality"] for r in long} == {"Aalborg", "Hjørring"}
    target = tmp_path / "svar.xlsx"
    target.write_bytes(fetch(client, f"/export/{Q}.xlsx").data)
    sheet = load_workbook(target, read_only=True)["Svar"]
    places = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert places == {"Aalborg", "Hjørring"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_caseworker_is_refused_and_anonymous_is_sent_to_sign_in(demo, fmt):
    caseworker = signed_in_client(demo, "caseworker", ["Aalborg"])
    assert fetch(caseworker, f"/export/{Q}.{fmt}?municipality=Aalborg").status_code == 403
    assert audit_events(demo, "access_denied")[0].outcome == "denied"
    reply = demo.test_client().get(f"/export/{Q}.{fmt}")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


@pytest.mark.parametrize(
    "url",
    [
        f"/export/{Q}.pdf",
        f"/export/{Q}",
        "/export/findes-ikke.csv",
        f"/export/{Q}.csv?wave=findes-ikke",
        f"/export/{Q}.sav?version=7",
        f"/export/{Q}.sav?version=x",
        f"/export/{Q}.csv?municipality=Atlantis",
    ],
)
def test_unknown_things_are_404_with_the_error_page(demo, url):
    client = signed_in_client(demo, "evaluator")
    reply = fetch(client, url)
    assert reply.status_code == 404 and "Siden findes ikke" in reply.text
    assert "Traceback" not in reply.text and audit_events(demo, "export") == []


def test_long_csv_is_the_foundation_contract_and_streams(demo):
    client = signed_in_client(demo, "evaluator")
    reply = client.get(f"/export/{Q}.csv?wave=jan-2019&municipality=Thisted")
    assert reply.is_streamed and reply.mimetype == "text/csv"
    text = reply.get_data(as_text=True)
    reply.close()
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    expected = demo.test_cli_runner().invoke(
        main, ["export", "--questionnaire", Q, "--wave", "jan-2019", "--municipality", "Thisted"]
    )
    assert text == expected.output
    assert "svar-lang-ledighedsydelse-jan-2019-Thisted.csv" in reply.headers["Content-Disposition"]


def test_wide_csv_matches_long_csv_of_the_same_request(demo):
    client = signed_in_client(demo, "evaluator")
    query = "?wave=sommer-2020&municipality=Aalborg"
    wide = client.get(f"/export/{Q}.wide.csv{query}")
    assert wide.is_streamed
    wide.get_data()
    wide.close()
    long = rows_of(fetch(client, f"/export/{Q}.csv{query}"))
    expected = {}
    for row in long:
        code = row["value"] or {"ved_ikke": "98", "ubesvaret": "99"}[row["missing"]]
        expected.setdefault(row["response_id"], {})[row["item"]] = code
    wide_rows = rows_of(wide)
    assert [r["response_id"] for r in wide_rows] == list(expected)
    for row in wide_rows:
        assert row["wave"] == "sommer-2020" and row["municipality"] == "Aalborg"
        assert {k: row[k] for k in expected[row["response_id"]]} == expected[row["response_id"]]


def test_sav_and_xlsx_downloads_read_back(demo, tmp_path):
    client = signed_in_client(demo, "admin")
    wide = rows_of(fetch(client, f"/export/{Q}.wide.csv?municipality=Aalborg"))
    sav = fetch(client, f"/export/{Q}.sav?municipality=Aalborg")
    assert sav.headers["Cache-Control"] == "no-store"
    assert "svar-ledighedsydelse-v1-Aalborg.sav" in sav.headers["Content-Disposition"]
    (tmp_path / "a.sav").write_bytes(sav.data)
    frame, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"), user_missing=True)
    assert list(frame["response_id"]) == [r["response_id"] for r in wide]
    item = list(frame.columns)[7]
    assert [str(int(v)) for v in frame[item]] == [r[item] for r in wide]
    assert meta.missing_ranges[item] == [{"lo": 98.0, "hi": 99.0}]
    xlsx = fetch(client, f"/export/{Q}.xlsx?municipality=Aalborg")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    (tmp_path / "a.xlsx").write_bytes(xlsx.data)
    workbook = load_workbook(tmp_path / "a.xlsx", read_only=True)
    rows = list(workbook["Svar"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [r["response_id"] for r in wide]
    assert [str(row[7]) for row in rows] == [r[item] for r in wide]
    assert workbook["Kodebog"]["A2"].value == Q


def test_codebook_download_names_version_and_file(demo):
    client = signed_in_client(demo, "evaluator")
    reply = fetch(client, f"/export/{Q}.codebook.csv?version=1")
    assert reply.status_code == 200
    assert "kodebog-ledighedsydelse-v1.csv" in reply.headers["Content-Disposition"]
    rows = rows_of(reply)
    assert {r["version"] for r in rows} == {"1"} and any(r["code"] == "98" for r in rows)


def test_danish_letters_in_the_file_name(demo):
    client = signed_in_client(demo, "evaluator")
    reply = fetch(client, f"/export/{Q}.csv?municipality=Hjørring")
    disposition = reply.headers["Content-Disposition"]
    assert 'filename="svar-lang-ledighedsydelse-Hjoerring.csv"' in disposition
    assert "filename*=UTF-8''svar-lang-ledighedsydelse-Hj%C3%B8rring.csv" in disposition
