"""The wide export writers: wide CSV, Excel, SPSS and codebook, read back and compared."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pyreadstat
import pytest
from openpyxl import load_workbook

from survey_app.db import get_session
from survey_app.export import ExportFilter, export_rows
from survey_app.exports.codebook import CODEBOOK_COLUMNS, SKIPPED_LABEL, codebook_rows
from survey_app.exports.data import ID_COLUMNS, Selection, WideRecord, wide_records
from survey_app.exports.formats import (
    codebook_csv_chunks,
    spss_name,
    truncate_bytes,
    wide_csv_chunks,
    wide_header,
    write_sav,
    write_xlsx,
)
from survey_app.registry import definition_of, find_version
from tests.conftest import invite, open_wave
from tests.test_export import submit

QUESTIONNAIRE = "revalidering"
VERSION = 1  # closed items only (version 2 adds open follow-ups)


@pytest.fixture
def answered(app):
    """Three revalidering responses (Aalborg x2, Thisted) with codes, "Ved ikke" and a skip.

    Returns the definition and the records read back in wide form.
    """
    open_wave(app, questionnaire=QUESTIONNAIRE, key="r-open", version=VERSION)
    tokens = invite(app, questionnaire=QUESTIONNAIRE, wave="r-open", count=2)
    tokens += invite(app, questionnaire=QUESTIONNAIRE, wave="r-open", municipality="Thisted")
    with app.app_context():
        definition = definition_of(find_version(get_session(), QUESTIONNAIRE, VERSION))
    required = [i for i in definition.items if i.required]
    for n, token in enumerate(tokens):
        answers = {f"item-{item.key}": str(1 + (n + k) % 2) for k, item in enumerate(required)}
        if n == 1:
            answers[f"item-{required[0].key}"] = "ved_ikke"
        submit(app, token, answers)
    with app.app_context():
        session = get_session()
        version = find_version(session, QUESTIONNAIRE, VERSION)
        records = list(wide_records(session, Selection(version, definition)))
    return definition, records


def long_answers(app):
    """The long CSV's answers as {response_id: {item: (value, missing)}}, in export order."""
    answers = defaultdict(dict)
    with app.app_context():
        for row in export_rows(get_session(), ExportFilter(QUESTIONNAIRE)):
            answers[row[0]][row[6]] = (row[7], row[9])
    return answers


def test_wide_csv_holds_the_same_answers_as_the_long_csv(app, answered):
    definition, records = answered
    text = "".join(wide_csv_chunks(definition, records, rows_per_chunk=2))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == wide_header(definition)
    long = long_answers(app)
    assert [r["response_id"] for r in rows] == list(long)
    missing_codes = {"ved_ikke": "98", "ubesvaret": "99"}
    for row in rows:
        for item, (value, missing) in long[row["response_id"]].items():
            assert row[item] == (value or missing_codes[missing])
    assert sorted(r["municipality"] for r in rows) == ["Aalborg", "Aalborg", "Thisted"]
    assert sum("98" in r.values() for r in rows) == 1
    assert all("99" in r.values() for r in rows)  # the optional item was skipped


def test_sav_round_trip_values_labels_and_user_missing(tmp_path, answered):
    definition, records = answered
    target = tmp_path / "svar.sav"
    write_sav(target, definition, records)
    frame, meta = pyreadstat.read_sav(str(target), user_missing=True)
    assert list(frame.columns) == wide_header(definition)
    assert list(frame["response_id"]) == [r.response_id for r in records]
    assert list(frame["municipality"]) == [r.municipality for r in records]
    for item in definition.items:
        expected = [r.codes.get(item.key) for r in records]
        assert [int(v) for v in frame[item.key]] == expected
        assert meta.column_names_to_labels[item.key] == item.text.da
        labels = meta.variable_value_labels[item.key]
        scale = definition.scale_for(item)
        assert {c: labels[c] for c in range(1, len(scale.options) + 1)} == {
            o.code: o.label.da for o in scale.options
        }
        assert labels[98] == scale.non_substantive.label.da and labels[99] == SKIPPED_LABEL
        assert meta.missing_ranges[item.key] == [{"lo": 98.0, "hi": 99.0}]
        assert meta.variable_measure[item.key] == (
            "ordinal" if scale.type == "ordinal" else "nominal"
        )
    for column in ("response_id", "respondent_key", "wave", "municipality", "answered_at"):
        assert meta.readstat_variable_types[column] == "string"
    # Without user_missing, SPSS-aware readers treat 98 and 99 as missing, not as answers.
    plain, _ = pyreadstat.read_sav(str(target))
    assert plain[definition.items[0].key].isna().sum() == 1


def test_xlsx_round_trip(tmp_path, answered):
    definition, records = answered
    target = tmp_path / "svar.xlsx"
    write_xlsx(target, definition, records)
    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames == ["Svar", "Kodebog"]
    rows = [list(r) for r in workbook["Svar"].iter_rows(values_only=True)]
    assert rows[0] == wide_header(definition)
    assert len(rows) == len(records) + 1
    for row, record in zip(rows[1:], records, strict=True):
        assert row[: len(ID_COLUMNS)] == record.id_values()[:1] + [
            v or None for v in record.id_values()[1:]
        ]
        assert row[len(ID_COLUMNS) :] == [record.codes.get(i.key) for i in definition.items]
    book = [list(r) for r in workbook["Kodebog"].iter_rows(values_only=True)]
    assert book[0] == CODEBOOK_COLUMNS
    expected = [
        [int(c) if c.isdigit() else (c or None) for c in r] for r in codebook_rows(definition)
    ]
    assert book[1:] == expected


def test_formula_like_text_is_inert_in_csv_and_xlsx_but_kept_in_sav(tmp_path, app):
    with app.app_context():
        definition = definition_of(find_version(get_session(), QUESTIONNAIRE, VERSION))
    codes = {item.key: 1 for item in definition.items}
    record = WideRecord("id-1", '=HYPERLINK("x")', QUESTIONNAIRE, 1, "-w", "Aalborg", "", codes)
    text = "".join(wide_csv_chunks(definition, [record]))
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["respondent_key"] == '\'=HYPERLINK("x")' and row["wave"] == "'-w"
    write_xlsx(tmp_path / "a.xlsx", definition, [record])
    sheet = load_workbook(tmp_path / "a.xlsx", read_only=True)["Svar"]
    cells = list(sheet.iter_rows(min_row=2, values_only=True))[0]
    assert cells[1] == '\'=HYPERLINK("x")' and cells[4] == "'-w"
    write_sav(tmp_path / "a.sav", definition, [record])
    frame, _ = pyreadstat.read_sav(str(tmp_path / "a.sav"))
    assert frame["respondent_key"][0] == '=HYPERLINK("x")'


def test_empty_selection_still_gives_files_with_labels(tmp_path, app):
    with app.app_context():
        definition = definition_of(find_version(get_session(), QUESTIONNAIRE, VERSION))
    write_sav(tmp_path / "tom.sav", definition, [])
    frame, meta = pyreadstat.read_sav(str(tmp_path / "tom.sav"), user_missing=True)
    assert len(frame) == 0 and list(frame.columns) == wide_header(definition)
    assert meta.column_names_to_labels[definition.items[0].key] == definition.items[0].text.da
    write_xlsx(tmp_path / "tom.xlsx", definition, [])
    sheet = load_workbook(tmp_path / "tom.xlsx", read_only=True)["Svar"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [wide_header(definition)]


def test_codebook_describes_every_column_code_and_missing_code(app):
    with app.app_context():
        definition = definition_of(find_version(get_session(), QUESTIONNAIRE, VERSION))
    text = "".join(codebook_csv_chunks(definition))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CODEBOOK_COLUMNS
    assert {(r["questionnaire"], r["version"], r["title"]) for r in rows} == {
        (QUESTIONNAIRE, "1", definition.title.da)
    }
    variables = [r["variable"] for r in rows if r["variable"]]
    assert list(dict.fromkeys(variables)) == wide_header(definition)
    for item in definition.items:
        scale = definition.scale_for(item)
        mine = [r for r in rows if r["variable"] == item.key]
        assert {r["text"] for r in mine} == {item.text.da}
        assert {r["scale_type"] for r in mine} == {scale.type}
        substantive = [(int(r["code"]), r["label"]) for r in mine if not r["missing"]]
        assert substantive == [(o.code, o.label.da) for o in scale.options]
        missing = {r["code"]: (r["missing"], r["label"]) for r in mine if r["missing"]}
        assert missing["98"] == ("ved_ikke", scale.non_substantive.label.da)
        assert missing["99"] == ("ubesvaret", SKIPPED_LABEL)
    assert "98 og 99" in rows[-1]["text"]


def test_spss_names_and_label_truncation():
    assert spss_name("to") == "to_" and spss_name("trivsel") == "trivsel"
    long = "Æblegrød " * 60
    cut = truncate_bytes(long, 255)
    assert len(cut.encode("utf-8")) <= 255 and cut.endswith("…")
    assert truncate_bytes("kort", 255) == "kort"
