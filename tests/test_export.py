"""The long CSV export: the contract that analysis/ reads."""

from __future__ import annotations

import csv
import io
import re

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.export import EXPORT_COLUMNS, ExportFilter, export_rows, inert
from tests.conftest import csrf_token_from, invite, open_wave


def submit(app, token, answers):
    client = app.test_client()
    csrf = csrf_token_from(client.get(f"/s/{token}").get_data(as_text=True))
    reply = client.post(f"/s/{token}", data=dict(answers, action="submit", csrf_token=csrf))
    assert reply.status_code == 303


def export(app, *args):
    result = app.test_cli_runner().invoke(main, ["export", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_columns_values_labels_and_missing_codes(app):
    open_wave(app)
    [token] = invite(app, municipality="Thisted")
    submit(
        app, token, {"item-forenklet_sagsbehandling": "5", "item-kvalitet_revurdering": "ved_ikke"}
    )
    text = export(app, "--questionnaire", "ledighedsydelse")
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    first, second = rows
    assert first["questionnaire"] == "ledighedsydelse" and first["version"] == "1"
    assert first["wave"] == "test-open" and first["municipality"] == "Thisted"
    assert (first["item"], first["value"], first["label"], first["missing"]) == (
        "forenklet_sagsbehandling", "5", "I høj grad", "",
    )  # fmt: skip
    assert (second["item"], second["value"], second["label"], second["missing"]) == (
        "kvalitet_revurdering", "", "Ved ikke", "ved_ikke",
    )  # fmt: skip
    assert first["response_id"] == second["response_id"]
    # Anonymous: no respondent key, and only the date, so a time cannot single anyone out.
    assert first["respondent_key"] == ""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first["answered_at"])


def test_skipped_optional_item_is_ubesvaret(app):
    open_wave(app, questionnaire="revalidering", key="r-open", version=1)  # closed items only
    [token] = invite(app, questionnaire="revalidering", wave="r-open")
    with app.app_context():
        from survey_app.registry import definition_of, find_version

        definition = definition_of(find_version(get_session(), "revalidering", 1))
    required = [i for i in definition.items if i.required]
    optional = [i for i in definition.items if not i.required]
    assert optional, "revalidering has an optional item"
    submit(app, token, {f"item-{i.key}": "1" for i in required})
    rows = list(csv.DictReader(io.StringIO(export(app, "--questionnaire", "revalidering"))))
    skipped = [r for r in rows if r["item"] == optional[0].key]
    assert skipped and skipped[0]["missing"] == "ubesvaret" and skipped[0]["value"] == ""


def test_citizen_rows_carry_pseudonym_and_utc_time(app):
    open_wave(app, questionnaire="en-plan", key="e-open")
    [token] = invite(
        app, questionnaire="en-plan", wave="e-open", municipality="Furesø",
        respondent_keys=["=HYPERLINK(\"x\")"],
    )  # fmt: skip
    client = app.test_client()
    html = client.get(f"/s/{token}").get_data(as_text=True)
    names = set(re.findall(r'name="(item-[a-z_]+)"', html))
    submit(app, token, {name: "3" for name in names})
    rows = list(csv.DictReader(io.StringIO(export(app, "--questionnaire", "en-plan"))))
    assert len(rows) == len(names)
    assert rows[0]["municipality"] == "Furesø"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", rows[0]["answered_at"])
    # A pseudonym that looks like a formula is made inert for spreadsheets.
    assert rows[0]["respondent_key"] == '\'=HYPERLINK("x")'


def test_inert_cells():
    for dangerous in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"]:
        assert inert(dangerous) == "'" + dangerous
    for harmless in ["Aalborg", "I høj grad", "", "1"]:
        assert inert(harmless) == harmless


def test_filters_by_wave_and_output_file(app, tmp_path):
    open_wave(app)
    open_wave(app, key="other-open")
    [a] = invite(app)
    [b] = invite(app, wave="other-open")
    answers = {"item-forenklet_sagsbehandling": "1", "item-kvalitet_revurdering": "1"}
    submit(app, a, answers)
    submit(app, b, answers)
    target = tmp_path / "out.csv"
    export(
        app, "--questionnaire", "ledighedsydelse", "--wave", "other-open", "--output", str(target)
    )
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {r["wave"] for r in rows} == {"other-open"} and len(rows) == 2


def test_export_of_empty_database_is_header_only(app):
    assert export(app).strip() == ",".join(EXPORT_COLUMNS)


def test_export_rows_is_a_lazy_stream(app):
    with app.app_context():
        rows = export_rows(get_session(), ExportFilter())
        assert iter(rows) is rows  # a generator: rows are produced as they are read
