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
    "n_a",
    "n_b",
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
    "improved",
    "unchanged",
    "worsened",
    "status",
]


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
    assert thisted["status"].startswith("too_few") and thisted["p_value"] is None
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
