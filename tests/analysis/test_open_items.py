"""Open items (text, number) and the missing code ``ikke_relevant`` in the analysis package:
read from the export, ignored by the statistics, counted apart, listed by ``texts``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.counts import CountTable, count_table_from_rows
from analysis.definitions import load_definitions, merge_versions
from analysis.pipeline import compare_export
from analysis.reading import MISSING_CODES, ExportError, read_export
from analysis.texts import open_answers_export
from tests.analysis.helpers import QUESTIONNAIRES, answer, write_export

OPEN = Path(__file__).parent.parent / "open_answers"  # aabne.v1.yaml, shared with the app tests
A, B = "r1", "r2"


def defs():
    return load_definitions(OPEN, "aabne")


def row(item, value="", missing="", label="", wave=A, municipality="Aalborg", rid=None):
    """An export row of the test questionnaire; ``value`` is the cell as the app writes it."""
    cells = answer(item, 1, wave, municipality, "aabne", response_id=rid)
    return {**cells, "value": value, "missing": missing, "label": label}


def response(n, brugt, text, number, wave=A, municipality="Aalborg"):
    rid = f"{wave}-{municipality}-{n}"
    routed = row("tilfreds", "3", rid=rid, wave=wave, municipality=municipality)
    if brugt != 1:
        routed = row("tilfreds", missing="ikke_relevant", rid=rid, wave=wave,
                     municipality=municipality)  # fmt: skip
    return [
        row("brugt", str(brugt), rid=rid, wave=wave, municipality=municipality),
        routed,
        row("hvordan", text, rid=rid, wave=wave, municipality=municipality),
        row("varighed", number, rid=rid, wave=wave, municipality=municipality),
    ]


@pytest.fixture
def export(tmp_path):
    rows = []
    for n in range(6):
        rows += response(n, 1 if n < 4 else 2, f"Tekst {n}\nlinje to", str(n), A)
        rows += response(n, 1 if n < 2 else 2, f"Senere {n}", "2.5", B, "Thisted")
    return write_export(tmp_path / "aabne.csv", rows)


def test_definitions_keep_open_items_apart_and_read_their_type():
    definition = defs()[1]
    assert [i.key for i in definition.items] == ["brugt", "tilfreds"]
    kinds = {i.key: (i.kind, i.identifying) for i in definition.open_items}
    assert kinds == {
        "hvordan": ("text", True),
        "sagstyper": ("text", False),
        "varighed": ("number", False),
    }
    merged = merge_versions(defs(), {1})
    assert merged.open_item("hvordan") is not None and merged.item("hvordan") is None


def test_reading_gives_open_answers_as_text_and_accepts_ikke_relevant(export):
    rows = read_export(export, "aabne", defs())
    texts = {r.item: r for r in reversed(rows) if r.text}  # the first of each item
    assert texts["hvordan"].text.startswith("Tekst") and texts["hvordan"].value is None
    assert {r.missing for r in rows} == {"", "ikke_relevant"}
    assert MISSING_CODES == ("ved_ikke", "ubesvaret", "ikke_relevant")


@pytest.mark.parametrize(
    "bad, column, problem",
    [
        ({"item": "tilfreds", "missing": "ikke-relevant"}, "missing", "not a missing code"),
        ({"item": "tilfreds", "missing": "IKKE_RELEVANT"}, "missing", "not a missing code"),
        ({"item": "varighed", "value": "12 uger"}, "value", "not a number"),
        ({"item": "varighed", "value": "1e3"}, "value", "not a number"),
        ({"item": "hvordan", "value": "tekst", "label": "Ja"}, "label", "open (text) item"),
        ({"item": "hvordan", "value": ""}, "value", "empty"),
        ({"item": "hvordan", "value": "x", "missing": "ikke_relevant"}, "value", "given"),
    ],
)
def test_forged_rows_are_refused_with_row_and_column(tmp_path, bad, column, problem):
    rows = response(0, 1, "fint", "3")
    rows.append({**row(bad["item"]), **bad})  # row 6
    path = write_export(tmp_path / "forged.csv", rows)
    with pytest.raises(ExportError) as caught:
        read_export(path, "aabne", defs())
    assert caught.value.row == 6 and caught.value.column == column
    assert problem in str(caught.value)


def test_without_definitions_free_text_is_no_option_code(export):
    with pytest.raises(ExportError) as caught:
        read_export(export, "aabne")
    assert caught.value.row == 4 and caught.value.column == "value"


def test_another_questionnaires_open_answers_do_not_stop_the_reading(tmp_path):
    rows = [answer("q1", 1, questionnaire="proeve"), row("hvordan", "=fri tekst")]
    path = write_export(tmp_path / "mixed.csv", rows)
    proeve = load_definitions(QUESTIONNAIRES, "proeve")
    assert [r.item for r in read_export(path, "proeve", proeve)] == ["q1"]


def test_count_table_leaves_open_items_out_and_counts_ikke_relevant_apart(export):
    table = count_table_from_rows(read_export(export, "aabne", defs()), defs())
    assert set(table.items()) == {"brugt", "tilfreds"}
    cell = table.get("tilfreds", "Aalborg", A, 4)
    assert (cell.n, cell.ikke_relevant, cell.ved_ikke, cell.ubesvaret) == (4, 2, 0, 0)
    again = CountTable.from_records(table.records())
    assert again.get("tilfreds", "Thisted", B, 4).ikke_relevant == 4


def test_compare_ignores_open_items_and_reports_n_ikke_relevant(export):
    result = compare_export(export, defs(), "aabne", A, B, by_municipality=True)
    records = {(r.item, r.group): r.to_record() for r in result.results}
    assert {item for item, _ in records} == {"brugt", "tilfreds"}
    routed = records[("tilfreds", "alle")]
    assert (routed["n_a"], routed["n_b"]) == (4, 2)
    assert (routed["n_ikke_relevant_a"], routed["n_ikke_relevant_b"]) == (2, 4)
    assert routed["n_ved_ikke_a"] == 0 and routed["n_ubesvaret_a"] == 0
    assert list(routed)[-2:] == ["n_ikke_relevant_a", "n_ikke_relevant_b"]  # added last


def test_texts_lists_the_open_answers_by_item_wave_and_municipality(export):
    answers = open_answers_export(export, defs(), "aabne")
    assert [a.item for a in answers] == ["hvordan"] * 12 + ["varighed"] * 12
    first = answers[0]
    assert (first.wave, first.municipality, first.text) == (A, "Aalborg", "Tekst 0\nlinje to")
    assert answers[6].wave == B and answers[6].municipality == "Thisted"


def test_texts_command_readable_csv_and_json(capsys, export):
    common = ["--questionnaire", "aabne", "--questionnaires", str(OPEN)]
    assert main(["texts", str(export), *common]) == 0
    out = capsys.readouterr().out
    assert out.startswith("hvordan (text): Beskriv forløbet.\n  r1 · Aalborg: Tekst 0\n")
    assert "                linje to\n" in out  # a second line stays under its answer
    assert "varighed (number): Varighed af forlængelsen" in out and "r2 · Thisted: 2.5" in out
    assert main(["texts", str(export), "--questionnaire", "aabne", "--questionnaires", str(OPEN),
                 "--format", "json"]) == 0  # fmt: skip
    records = json.loads(capsys.readouterr().out)
    assert records[0] == {
        "item": "hvordan", "kind": "text", "wave": A, "municipality": "Aalborg",
        "text": "Tekst 0\nlinje to",
    }  # fmt: skip


def test_texts_refuses_a_questionnaire_without_open_items(capsys, tmp_path):
    path = write_export(tmp_path / "e.csv", [answer("q1", 1)])
    status = main(["texts", str(path), "--questionnaire", "proeve",
                   "--questionnaires", str(QUESTIONNAIRES)])  # fmt: skip
    assert status == 1 and "no text or number items" in capsys.readouterr().err


def test_texts_refuses_a_forged_missing_code_with_its_row(capsys, tmp_path):
    rows = [*response(0, 2, "fint", "1"), {**row("tilfreds"), "missing": "n/a"}]
    path = write_export(tmp_path / "e.csv", rows)
    status = main(["texts", str(path), "--questionnaire", "aabne", "--questionnaires", str(OPEN)])
    err = capsys.readouterr().err
    assert status == 1 and "row 6" in err and "'n/a' is not a missing code" in err
