"""Open answers (text, number) and ``ikke_relevant`` in every export format, for every role."""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest
from openpyxl import load_workbook

from survey_app.db import get_session
from survey_app.export import ExportFilter, csv_chunks, export_rows
from survey_app.exports.codebook import NOT_RELEVANT_LABEL
from tests.conftest import signed_in_client
from tests.open_answers.data import FORMULA, KEY, add_response, answered, load

CONTROL = "før\x07efter"  # a control character a workbook cannot hold


@pytest.fixture
def data(app):
    """The test questionnaire with two responses in Aalborg: one routed past ``tilfreds``
    with formula-like free text, one with a control character and a negative number."""
    load(app)
    add_response(app, "r1", "Aalborg", answered(2, text=FORMULA, varighed="-3"))
    add_response(app, "r1", "Aalborg", answered(1, text=CONTROL, varighed=None))
    return app


def fetch(client, url):
    reply = client.get(url)
    data = reply.get_data()
    reply.close()
    assert reply.status_code == 200, (url, reply.status_code)
    return data


def long_rows(data: bytes, delimiter=","):
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def test_long_csv_holds_open_answers_in_value_with_empty_label(data):
    with data.app_context():
        rows = list(export_rows(get_session(), ExportFilter(KEY)))
    text = "".join(csv_chunks(rows))
    by_item = {}
    for row in csv.DictReader(io.StringIO(text)):
        by_item.setdefault(row["item"], []).append(row)
    first, second = by_item["hvordan"], by_item["tilfreds"]
    assert first[0]["value"] == "'" + FORMULA and first[0]["label"] == ""  # made inert
    assert first[1]["value"] == CONTROL and first[1]["missing"] == ""
    assert second[0] == {**second[0], "value": "", "label": "", "missing": "ikke_relevant"}
    assert second[1]["value"] == "3" and second[1]["label"] == "Enig"
    numbers = by_item["varighed"]
    assert numbers[0]["value"] == "-3" and numbers[0]["label"] == ""  # a number, not inert
    assert numbers[1] == {**numbers[1], "value": "", "missing": "ubesvaret"}
    assert {r["value"] for r in by_item["sagstyper"]} == {"Sygedagpenge"}


@pytest.mark.parametrize("fmt, delimiter", [("csv", ","), ("excel.csv", ";")])
def test_long_csv_download_for_evaluator_and_coordinator(data, fmt, delimiter):
    evaluator = signed_in_client(data, "evaluator")
    rows = long_rows(fetch(evaluator, f"/export/{KEY}.{fmt}"), delimiter)
    assert {r["item"] for r in rows} == {"brugt", "tilfreds", "hvordan", "sagstyper", "varighed"}
    assert "'" + FORMULA in {r["value"] for r in rows}
    coordinator = signed_in_client(data, "coordinator", ["Aalborg"])
    data_bytes = fetch(coordinator, f"/export/{KEY}.{fmt}")
    rows = long_rows(data_bytes, delimiter)
    # the identifying text item is evaluator-only; the one marked not identifying stays
    assert "hvordan" not in {r["item"] for r in rows} and b"HYPERLINK" not in data_bytes
    assert "sagstyper" in {r["item"] for r in rows}


def test_wide_csv_has_text_and_number_columns_and_97(data):
    evaluator = signed_in_client(data, "evaluator")
    rows = long_rows(fetch(evaluator, f"/export/{KEY}.wide.csv"))
    assert [r["tilfreds"] for r in rows] == ["97", "3"]
    assert [r["hvordan"] for r in rows] == ["'" + FORMULA, CONTROL]
    assert [r["varighed"] for r in rows] == ["-3", ""]  # an open item's missing answer: empty
    coordinator = signed_in_client(data, "coordinator", ["Aalborg"])
    rows = long_rows(fetch(coordinator, f"/export/{KEY}.wide.csv"))
    assert "hvordan" not in rows[0] and rows[0]["sagstyper"] == "Sygedagpenge"


def test_xlsx_has_inert_text_without_control_characters_and_numeric_numbers(data, tmp_path):
    evaluator = signed_in_client(data, "evaluator")
    target = tmp_path / "svar.xlsx"
    target.write_bytes(fetch(evaluator, f"/export/{KEY}.xlsx"))
    sheet = load_workbook(target)["Svar"]
    header = [c.value for c in sheet[1]]
    column = {key: header.index(key) for key in header}
    first, second = ([c for c in row] for row in sheet.iter_rows(min_row=2, max_row=3))
    text = first[column["hvordan"]]
    assert text.value == "'" + FORMULA and text.data_type == "s"
    assert second[column["hvordan"]].value == "førefter"
    assert first[column["varighed"]].value == -3 and first[column["varighed"]].data_type == "n"
    assert first[column["tilfreds"]].value == 97
    codebook = [[c.value for c in row] for row in load_workbook(target)["Kodebog"].iter_rows()]
    assert any(r[3] == "varighed" and r[7] == "number" for r in codebook)


def test_sav_has_string_and_numeric_variables_and_97_as_user_missing(data, tmp_path):
    evaluator = signed_in_client(data, "evaluator")
    target = tmp_path / "svar.sav"
    target.write_bytes(fetch(evaluator, f"/export/{KEY}.sav"))
    frame, meta = pyreadstat.read_sav(str(target), user_missing=True)
    assert meta.readstat_variable_types["hvordan"] == "string"
    assert meta.readstat_variable_types["varighed"] == "double"
    assert list(frame["hvordan"]) == [FORMULA, CONTROL]  # SPSS runs no formulas: kept as given
    assert frame["varighed"][0] == -3 and frame["varighed"].isna()[1]
    assert meta.variable_measure["varighed"] == "scale"
    assert list(frame["tilfreds"]) == [97, 3]
    assert meta.variable_value_labels["tilfreds"][97] == NOT_RELEVANT_LABEL
    assert meta.missing_ranges["tilfreds"] == [{"lo": 97.0, "hi": 99.0}]
    assert meta.missing_ranges["brugt"] == [{"lo": 98.0, "hi": 99.0}]  # always asked
    assert "hvordan" not in meta.variable_value_labels
    plain, _ = pyreadstat.read_sav(str(target))  # 97 is missing to an SPSS-aware reader
    assert plain["tilfreds"].isna()[0] and plain["tilfreds"][1] == 3


def test_codebook_describes_open_items_and_ikke_relevant(data):
    evaluator = signed_in_client(data, "evaluator")
    rows = long_rows(fetch(evaluator, f"/export/{KEY}.codebook.csv"))
    by_variable = {}
    for row in rows:
        by_variable.setdefault(row["variable"], []).append(row)
    [text] = by_variable["hvordan"]
    assert text["scale_type"] == "text" and text["code"] == ""
    assert "Fritekst (flere linjer), højst 500 tegn" in text["label"]
    assert "evaluatorer" in text["label"]
    [number] = by_variable["varighed"]
    assert number["scale_type"] == "number"
    assert number["label"] == "Tal: decimaltal med højst 1 decimaler, mindst -10, højst 365 (uger)"
    routed = {r["code"]: r for r in by_variable["tilfreds"]}
    assert routed["97"]["missing"] == "ikke_relevant"
    assert routed["97"]["label"] == NOT_RELEVANT_LABEL
    assert "97" not in {r["code"] for r in by_variable["brugt"]}
    assert "97 (ikke relevant)" in rows[-1]["text"]
    coordinator = signed_in_client(data, "coordinator", ["Aalborg"])
    rows = long_rows(fetch(coordinator, f"/export/{KEY}.codebook.csv"))
    assert "hvordan" not in {r["variable"] for r in rows}


def test_the_app_export_reads_back_in_analysis(data, tmp_path, capsys):
    """The long CSV as downloaded is what ``python -m analysis`` reads: open answers listed
    (the formula still inert), ikke_relevant counted apart, the statistics on closed items."""
    from analysis.cli import main as analysis_main
    from tests.open_answers.data import HERE

    add_response(data, "r2", "Aalborg", answered(1, text="Senere"))
    export = tmp_path / "lang.csv"
    export.write_bytes(fetch(signed_in_client(data, "evaluator"), f"/export/{KEY}.csv"))
    common = ["--questionnaire", KEY, "--questionnaires", str(HERE)]
    assert analysis_main(["texts", str(export), *common, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "item,kind,wave,municipality,text"
    quoted = "'" + FORMULA.replace('"', '""')
    assert f'hvordan,text,r1,Aalborg,"{quoted}"' in lines
    assert "varighed,number,r1,Aalborg,-3" in lines
    assert "sagstyper,text,r2,Aalborg,Sygedagpenge" in lines
    assert analysis_main(["compare", str(export), *common, "--waves", "r1", "r2",
                          "--format", "json"]) == 0  # fmt: skip
    import json

    records = {r["item"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(records) == {"brugt", "tilfreds"}
    assert records["tilfreds"]["n_ikke_relevant_a"] == 1 and records["tilfreds"]["n_a"] == 1


def test_suppression_knows_the_third_missing_code(data):
    from analysis.counts import OptionCounts
    from survey_app.dashboards.counts import impossible_answers
    from survey_app.suppression import _vector

    assert _vector(OptionCounts((1, 2), 4, 5, 3)) == [1, 2, 4, 5, 3]
    with data.app_context():
        impossible = impossible_answers(get_session(), KEY, {1})
    assert "ikke_relevant" in impossible["brugt"] and "ikke_relevant" not in impossible["tilfreds"]
    assert impossible["brugt"] == {"ved_ikke", "ubesvaret", "ikke_relevant"}


def test_a_citizens_data_export_holds_open_answers(app):
    from survey_app.citizen_data import citizen_record

    load(app)
    add_response(app, "r1", "Aalborg", answered(2, text="Mit svar"), respondent_key="sag-1")
    with app.app_context():
        record = citizen_record(get_session(), "sag-1", "test-secret-seal")
    [response] = record["responses"]
    answers = {a["item"]: a for a in response["answers"]}
    assert answers["hvordan"]["value"] == "Mit svar" and answers["hvordan"]["label"] is None
    assert answers["varighed"]["value"] == "2.5"
    assert answers["tilfreds"]["missing"] == "ikke_relevant"
    assert answers["brugt"]["label"] == "Nej"


@pytest.mark.parametrize(
    "stored, cell", [("12", "12"), ("-2.5", "-2.5"), ("=1+1", "'=1+1"), ("NaN", "NaN")]
)
def test_a_stored_number_that_is_no_number_stays_guarded_text(stored, cell):
    from survey_app.export import number_cell

    assert "".join(csv_chunks([[number_cell(stored)]], ["varighed"])).splitlines()[1] == cell
