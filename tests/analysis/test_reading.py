"""Reading the export: malformed files stop with the row and column named, nothing written."""

from __future__ import annotations

import pytest

from analysis.cli import main
from analysis.pipeline import compare_export, progression_export
from analysis.reading import COLUMNS, ExportError, read_export
from tests.analysis.helpers import QUESTIONNAIRES, answer, definitions, wave_rows, write_export

WAVES = ("jan-2019", "sommer-2020")


def good_rows():
    return wave_rows("forenklet", [1, 2, 3], [3, 4, 5])


def refusal(tmp_path, rows, columns=COLUMNS) -> ExportError:
    path = write_export(tmp_path / "export.csv", rows, columns)
    with pytest.raises(ExportError) as info:
        compare_export(path, definitions(), "proeve", *WAVES)
    return info.value


def test_reads_valid_rows_with_danish_letters_and_bom(tmp_path):
    rows = good_rows()
    rows[0]["municipality"] = "Furesø"
    rows[0]["label"] = "'=Slet ikke"
    path = tmp_path / "export.csv"
    write_export(path, rows)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # Excel-style byte order mark
    read = read_export(path, "proeve")
    assert [r.value for r in read] == [1, 2, 3, 3, 4, 5]
    assert read[0].municipality == "Furesø"
    assert read[0].row == 2  # the header is row 1
    assert read[0].version == 1


def test_missing_column_is_named(tmp_path):
    columns = [c for c in COLUMNS if c != "wave"]
    error = refusal(tmp_path, good_rows(), columns)
    assert (error.row, error.column) == (1, "wave")
    assert "missing column" in str(error)


def test_value_that_is_not_an_integer(tmp_path):
    rows = good_rows()
    rows[2]["value"] = "tre"
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (4, "value")
    assert "'tre'" in str(error) and "row 4" in str(error) and "column 'value'" in str(error)


@pytest.mark.parametrize("bad", ["0", "-1", "2.5", " "])
def test_other_bad_values(tmp_path, bad):
    rows = good_rows()
    rows[1]["value"] = bad
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (3, "value")


def test_code_outside_the_items_scale(tmp_path):
    rows = good_rows()
    rows[4]["value"] = "6"  # the 'grad' scale has codes 1-5
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (6, "value")
    assert "codes 1-5" in str(error)


def test_unknown_item(tmp_path):
    rows = good_rows() + [answer("findes_ikke", 1)]
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (8, "item")


def test_unknown_version(tmp_path):
    rows = good_rows()
    rows[0]["version"] = "7"
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (2, "version")


@pytest.mark.parametrize("bad", ["x", "0", ""])
def test_bad_version_number(tmp_path, bad):
    rows = good_rows()
    rows[3]["version"] = bad
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (5, "version")


def test_unknown_missing_code_and_value_beside_missing(tmp_path):
    rows = good_rows()
    rows[0].update(value="", missing="vil_ikke")
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (2, "missing")
    rows = good_rows()
    rows[1]["missing"] = "ved_ikke"  # value 2 is still there
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (3, "value")


def test_bad_timestamp(tmp_path):
    rows = good_rows()
    rows[5]["answered_at"] = "15/01/2019"
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (7, "answered_at")


@pytest.mark.parametrize("column", ["response_id", "questionnaire", "municipality", "item"])
def test_required_text_cells(tmp_path, column):
    rows = good_rows()
    rows[2][column] = ""
    error = refusal(tmp_path, rows)
    assert (error.row, error.column) == (4, column)


def test_short_and_long_rows(tmp_path):
    path = write_export(tmp_path / "export.csv", good_rows())
    lines = path.read_text(encoding="utf-8").splitlines()
    short = lines[:3] + [",".join(lines[3].split(",")[:9])] + lines[4:]
    path.write_text("\n".join(short) + "\n", encoding="utf-8")
    with pytest.raises(ExportError) as info:
        read_export(path)
    assert (info.value.row, info.value.column) == (4, "missing")  # the 10th column
    long = lines[:2] + [lines[2] + ",ekstra"] + lines[3:]
    path.write_text("\n".join(long) + "\n", encoding="utf-8")
    with pytest.raises(ExportError) as info:
        read_export(path)
    assert info.value.row == 3 and "beyond the header" in info.value.column


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ExportError) as info:
        read_export(empty)
    assert info.value.row == 1 and "empty" in str(info.value)
    header_only = write_export(tmp_path / "header.csv", [])
    with pytest.raises(ExportError, match="no answer rows"):
        read_export(header_only)


def test_not_utf8(tmp_path):
    path = write_export(tmp_path / "export.csv", good_rows())
    path.write_bytes(path.read_bytes().replace(b"Aalborg", "Furesø".encode("latin-1")))
    with pytest.raises(ExportError, match="not UTF-8"):
        read_export(path)


def test_no_rows_for_the_questionnaire(tmp_path):
    path = write_export(tmp_path / "export.csv", good_rows())
    with pytest.raises(ExportError) as info:
        read_export(path, "mentor")
    assert info.value.column == "questionnaire" and "found: proeve" in str(info.value)


def test_unknown_wave(tmp_path):
    path = write_export(tmp_path / "export.csv", good_rows())
    with pytest.raises(ExportError) as info:
        compare_export(path, definitions(), "proeve", "jan-2019", "forsoegsafslutning")
    assert info.value.column == "wave"
    assert "'forsoegsafslutning'" in str(info.value) and "jan-2019, sommer-2020" in str(info.value)


def test_progression_needs_pseudonyms(tmp_path):
    rows = [answer("en_plan", 3, "", questionnaire="forloeb")]
    path = write_export(tmp_path / "export.csv", rows)
    with pytest.raises(ExportError) as info:
        progression_export(path, definitions("forloeb"), "forloeb")
    assert info.value.column == "respondent_key"


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "--waves", *WAVES, "--format", "json"],
        ["progression"],
        ["plot", "--waves", *WAVES],
    ],
)
def test_cli_refuses_malformed_export_and_writes_nothing(tmp_path, capsys, command):
    rows = good_rows()
    rows[3]["value"] = "fire"
    path = write_export(tmp_path / "export.csv", rows)
    out = tmp_path / "figurer"
    extra = ["--out", str(out)] if command[0] == "plot" else []
    status = main(
        [
            command[0],
            str(path),
            "--questionnaire",
            "proeve",
            *command[1:],
            *extra,
            "--questionnaires",
            str(QUESTIONNAIRES),
        ]  # fmt: skip
    )
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    assert "row 5" in captured.err and "column 'value'" in captured.err
    assert not out.exists()


def test_cli_unknown_wave_and_missing_definition(tmp_path, capsys):
    path = write_export(tmp_path / "export.csv", good_rows())
    args = [str(path), "--questionnaire", "proeve", "--questionnaires", str(QUESTIONNAIRES)]
    assert main(["compare", *args, "--waves", "jan-2019", "vinter-2021"]) == 1
    assert "wave 'vinter-2021' does not occur" in capsys.readouterr().err
    assert main(["compare", *args[:3], "--waves", *WAVES, "--questionnaires", str(tmp_path)]) == 1
    assert "no definition of questionnaire 'proeve'" in capsys.readouterr().err
