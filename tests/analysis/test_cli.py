"""The command line: compare, progression and plot, as the issue specifies them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main
from tests.analysis.helpers import QUESTIONNAIRES, answer, wave_rows, write_export

A, B = "jan-2019", "sommer-2020"
COMPARE_KEYS = [
    "item",
    "group",
    "wave_a",
    "wave_b",
    "n",
    "n_a",
    "n_b",
    "n_ved_ikke_a",
    "n_ved_ikke_b",
    "n_ubesvaret_a",
    "n_ubesvaret_b",
    "median_a",
    "median_b",
    "mean_a",
    "mean_b",
    "u",
    "p_value",
    "method",
    "brunner_munzel_p",
    "cliffs_delta",
    "cliffs_delta_low",
    "cliffs_delta_high",
    "p_adjusted",
    "status",
    "note",
    "n_ikke_relevant_a",
    "n_ikke_relevant_b",
]
PROGRESSION_KEYS = [
    "item",
    "group",
    "n",
    "mean_first",
    "mean_latest",
    "mean_change",
    "change_low",
    "change_high",
    "wilcoxon_p",
    "p_adjusted",
    "improved",
    "unchanged",
    "worsened",
    "status",
    "note",
]
STATUSES = {"ok", "too_few", "nominal", "not_comparable"}


@pytest.fixture
def export(tmp_path) -> Path:
    rows = wave_rows("forenklet", [1, 2, 2, 3], [3, 4, 4, 5], "Aalborg")
    rows += wave_rows("forenklet", [2, 3], [4, 4, 5], "Thisted")
    rows += wave_rows("tilsyn", [1, 1, 2], [2, 2, 2], "Aalborg")
    return write_export(tmp_path / "export.csv", rows)


@pytest.fixture
def citizens(tmp_path) -> Path:
    rows = []
    for c in range(4):
        for k in (1, 2):
            for item in ["klarer_hverdag", "overskud", "bekymret", "tror_paa_mig", "en_plan"]:
                rows.append(
                    answer(item, 2 + (k - 1) * (c % 3), "", ["Furesø", "Allerød"][c % 2],
                           questionnaire="forloeb", response_id=f"{c}-{k}",
                           respondent_key=f"borger-{c}", answered_at=f"2019-0{k}-01T10:00:00Z")
                )  # fmt: skip
    return write_export(tmp_path / "borgere.csv", rows)


def run(capsys, *args) -> tuple[int, str, str]:
    status = main([*args, "--questionnaires", str(QUESTIONNAIRES)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_compare_json_by_municipality(capsys, export):
    status, out, _ = run(
        capsys, "compare", str(export), "--questionnaire", "proeve", "--waves", A, B,
        "--by", "municipality", "--format", "json",
    )  # fmt: skip
    assert status == 0
    records = json.loads(out)
    assert all(list(r) == COMPARE_KEYS for r in records)
    assert {r["group"] for r in records} == {"alle", "Aalborg", "Thisted"}
    alle = next(r for r in records if r["group"] == "alle" and r["item"] == "forenklet")
    assert (alle["n_a"], alle["n_b"], alle["method"], alle["status"]) == (6, 7, "exact", "ok")
    assert alle["cliffs_delta"] < 0  # wave B answered higher
    thisted = next(r for r in records if r["group"] == "Thisted" and r["item"] == "forenklet")
    assert thisted["status"] == "too_few" and thisted["p_value"] is None
    assert "sommer-2020: 3" in thisted["note"]
    assert "NaN" not in out


def test_compare_without_by_gives_alle_only_and_csv_and_table(capsys, export):
    args = ["compare", str(export), "--questionnaire", "proeve", "--waves", A, B]
    status, out, _ = run(capsys, *args, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and list(rows[0]) == COMPARE_KEYS
    assert {r["group"] for r in rows} == {"alle"} and len(rows) == 5
    status, out, _ = run(capsys, *args)
    assert status == 0 and out.splitlines()[0].split()[:3] == ["item", "group", "wave_a"]
    assert "bølge B svarede lavere" in out


def test_progression_json(capsys, citizens):
    status, out, _ = run(
        capsys, "progression", str(citizens), "--questionnaire", "forloeb",
        "--by", "municipality", "--format", "json",
    )  # fmt: skip
    assert status == 0
    records = json.loads(out)
    assert all(list(r) == PROGRESSION_KEYS for r in records)
    items = [r["item"] for r in records if r["group"] == "alle"]
    assert items[-3:] == ["domain:hverdag", "domain:tro", "domain:plan"]
    assert {r["group"] for r in records} == {"alle", "Allerød", "Furesø"}
    alle = next(r for r in records if r["group"] == "alle" and r["item"] == "en_plan")
    assert alle["n"] == 4 and alle["mean_change"] == 0.75


def test_plot_writes_self_contained_files(capsys, export, citizens, tmp_path):
    out = tmp_path / "figurer"
    status, printed, _ = run(
        capsys, "plot", str(export), "--questionnaire", "proeve", "--waves", A, B,
        "--out", str(out),
    )  # fmt: skip
    assert status == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"proeve-{k}.html" for k in
                           ["forenklet", "brug", "tilsyn", "sagstype", "belastning"])  # fmt: skip
    page = (out / "proeve-forenklet.html").read_text(encoding="utf-8")
    assert page.count("Plotly.newPlot") == 2  # overview and small multiples
    assert 'src="http' not in page
    status, printed, _ = run(
        capsys, "plot", str(citizens), "--questionnaire", "forloeb", "--progression",
        "--citizen", "borger-1", "--out", str(out),
    )  # fmt: skip
    assert status == 0
    assert (out / "forloeb-progression.html").exists()
    assert (out / "forloeb-borger-borger-1.html").exists()
    status, _, err = run(
        capsys, "plot", str(citizens), "--questionnaire", "forloeb", "--progression",
        "--citizen", "ukendt", "--out", str(tmp_path / "andet"),
    )  # fmt: skip
    assert status == 1 and "ukendt" in err and not (tmp_path / "andet").exists()


def test_same_wave_twice_is_refused(capsys, export):
    status, _, err = run(capsys, "compare", str(export), "--questionnaire", "proeve",
                         "--waves", A, A)  # fmt: skip
    assert status == 1 and "two different waves" in err


def test_python_dash_m_entry_point(export):
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "compare", str(export), "--questionnaire", "proeve",
         "--waves", A, "vinter", "--questionnaires", str(QUESTIONNAIRES)],
        capture_output=True, text=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert result.returncode == 1
    assert "column 'wave'" in result.stderr and result.stdout == ""


def test_analysis_never_imports_the_app_or_databases():
    code = (
        "import sys, analysis, analysis.cli, analysis.plots;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlmodel', 'sqlalchemy', 'survey_app')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_compare_n_is_what_the_test_uses_with_missing_counted_per_wave(capsys, tmp_path):
    rows = wave_rows("forenklet", [1, 2, 3, 3], [3, 4, 5])
    rows += [answer("forenklet", None, A)] * 2 + [answer("forenklet", None, A, missing="ubesvaret")]
    rows += [answer("forenklet", None, B, answered_at="2020-06-15")]
    rows += [answer("forenklet", None, B, missing="ubesvaret", answered_at="2020-06-15")] * 3
    export = write_export(tmp_path / "e.csv", rows)
    args = ["compare", str(export), "--questionnaire", "proeve", "--waves", A, B]
    for fmt in ("json", "csv"):
        _, out, _ = run(capsys, *args, "--format", fmt)
        records = json.loads(out) if fmt == "json" else list(csv.DictReader(io.StringIO(out)))
        r = next(x for x in records if x["item"] == "forenklet")
        got = [int(r[k]) for k in ("n", "n_a", "n_b", "n_ved_ikke_a", "n_ved_ikke_b",
                                   "n_ubesvaret_a", "n_ubesvaret_b")]  # fmt: skip
        assert got == [7, 4, 3, 2, 1, 1, 3]
        assert r["status"] == "ok"


def test_every_status_is_one_of_four_codes_with_words_in_note(capsys, tmp_path, citizens):
    rows = wave_rows("forenklet", [1, 2, 3], [3, 4, 5]) + wave_rows("sagstype", [1, 2], [2, 3])
    rows += wave_rows("forenklet", [1, 2], [3], "Thisted")
    changed = wave_rows("brug", [1, 2, 3], [2, 3, 4])
    for row in changed[3:]:
        row["version"] = "2"  # 'brug' was reworded in version 2
    export = write_export(tmp_path / "e.csv", rows + changed)
    _, out, _ = run(capsys, "compare", str(export), "--questionnaire", "proeve", "--waves", A, B,
                    "--by", "municipality", "--format", "json")  # fmt: skip
    records = json.loads(out)
    assert {r["status"] for r in records} == STATUSES
    assert all(r["note"] == "" for r in records if r["item"] == "forenklet" and r["status"] == "ok")
    nominal = next(r for r in records if r["status"] == "nominal")
    assert nominal["note"] == "distributions only; no ordinal test applies to a nominal scale"
    _, out, _ = run(capsys, "progression", str(citizens), "--questionnaire", "forloeb",
                    "--by", "municipality", "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["status"] for r in rows} <= STATUSES and all(":" not in r["status"] for r in rows)


def test_progression_output_names_the_adjustment_and_hides_counts_of_too_few(capsys, tmp_path):
    rows = []
    for c, place in enumerate(["Furesø"] * 4 + ["Fanø"]):
        for k in (1, 2):
            for item in ["klarer_hverdag", "overskud", "bekymret", "tror_paa_mig", "en_plan"]:
                code = 2 + c % 2 + (k - 1) * (item == "tror_paa_mig")
                rows.append(
                    answer(item, code, "", place, questionnaire="forloeb", response_id=f"{c}-{k}",
                           respondent_key=f"borger-{c}", answered_at=f"2019-0{k}-01T10:00:00Z")
                )  # fmt: skip
    export = write_export(tmp_path / "borgere.csv", rows)
    args = ["progression", str(export), "--questionnaire", "forloeb", "--by", "municipality"]
    _, out, _ = run(capsys, *args, "--format", "json")
    records = {(r["group"], r["item"]): r for r in json.loads(out)}
    fanoe = records[("Fanø", "domain:tro")]
    assert fanoe["status"] == "too_few" and fanoe["n"] == 1
    assert [fanoe[k] for k in ("improved", "unchanged", "worsened")] == [None, None, None]
    # five citizens, each +1: exact p = 2/32; domains hverdag and plan unchanged (p = 1);
    # R: p.adjust(c(1, 0.0625, 1), "BH") = c(1, 0.1875, 1)
    tro = records[("alle", "domain:tro")]
    assert (tro["wilcoxon_p"], tro["p_adjusted"]) == (0.0625, pytest.approx(0.1875))
    _, table, _ = run(capsys, *args)
    assert "p_adjusted" in table.splitlines()[0] and "Benjamini-Hochberg" in table
