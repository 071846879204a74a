"""`survey-app --help` works before the environment is set; a missing key is one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SURVEY_APP = Path(sys.executable).parent / "survey-app"


def run_without_key(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_APP_")}
    env["SURVEY_APP_ENV"] = "production"
    return subprocess.run(
        [str(SURVEY_APP), *args], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=120,
    )  # fmt: skip


def test_help_works_without_a_secret_key(tmp_path):
    result = run_without_key(tmp_path, "--help")
    assert result.returncode == 0
    assert "Usage: survey-app" in result.stdout and "init-db" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""


def test_a_command_without_a_secret_key_stops_with_one_line(tmp_path):
    result = run_without_key(tmp_path, "init-db")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: SURVEY_APP_SECRET_KEY is not set.")
