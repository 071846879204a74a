"""Trials as data: the YAML files, their check, and invitations outside the participants."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from survey_app.cli import main
from survey_app.trials.trials import load_trials
from tests.conftest import QUESTIONNAIRES, csrf_token_from, open_wave, signed_in_client


def test_shipped_trials_are_valid_and_name_the_seeds_participants():
    trials, errors = load_trials(QUESTIONNAIRES)
    assert errors == []
    by_key = {t.key: t for t in trials}
    assert {"revalidering", "ledighedsydelse", "mentor"} <= set(by_key)
    assert by_key["revalidering"].participants == [
        "Vesthimmerland",
        "Thisted",
        "Jammerbugt",
        "Aalborg",
    ]
    assert by_key["ledighedsydelse"].participants == []
    assert "nævne" in by_key["ledighedsydelse"].participants_note
    criterion = by_key["ledighedsydelse"].success_criteria[0]
    assert (criterion.item, criterion.options, criterion.direction) == (
        "kvalitet_revurdering",
        [2, 3, 4],
        "higher",
    )


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "q"
    shutil.copytree(QUESTIONNAIRES, target)
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("[Vesthimmerland, Thisted, Jammerbugt, Aalborg]", "[Vesthimmerland, Furesø]"),
            "participants[1]: 'Furesø' is not a municipality",
        ),
        (("item: mere_smidig_sagsbehandling", "item: findes_ikke"), "'findes_ikke' is not an item"),
        (("options: [4, 5]", "options: [4, 9]"), "[9] not options"),
        (("direction: higher", "direction: up"), "success_criteria.0.direction"),
        (("key: revalidering\n", "key: revalidering\ncolour: red\n"), "colour: unknown field"),
    ],
)
def test_check_questionnaires_refuses_a_broken_trial_with_file_and_field(tmp_path, change, message):
    folder = _copy(tmp_path)
    path = folder / "trials" / "revalidering.yaml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["check-questionnaires", str(folder)])
    assert result.exit_code == 1
    assert "revalidering.yaml" in result.output and message in result.output


def test_check_questionnaires_lists_the_trials():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["check-questionnaires", str(QUESTIONNAIRES)])
    assert result.exit_code == 0, result.output
    assert "ok  trial revalidering" in result.output
    # the trials folder is not read as questionnaires
    assert "trials" not in result.output.split("ok  trial")[0]


def test_cli_refuses_invitations_outside_the_participants_without_force(app):
    open_wave(app, questionnaire="revalidering", key="r-open")
    runner = app.test_cli_runner()
    refused = runner.invoke(
        main,
        [
            "invite",
            "--questionnaire",
            "revalidering",
            "--wave",
            "r-open",
            "--municipality",
            "Hjørring",
            "--count",
            "2",
        ],
    )
    assert refused.exit_code != 0 and "does not take part" in refused.output
    forced = runner.invoke(
        main,
        [
            "invite",
            "--questionnaire",
            "revalidering",
            "--wave",
            "r-open",
            "--municipality",
            "Hjørring",
            "--count",
            "2",
            "--force",
        ],
    )
    assert forced.exit_code == 0 and forced.output.count("http") == 2
    ok = runner.invoke(
        main,
        [
            "invite",
            "--questionnaire",
            "revalidering",
            "--wave",
            "r-open",
            "--municipality",
            "Thisted",
            "--count",
            "1",
        ],
    )
    assert ok.exit_code == 0, ok.output


def test_coordinator_is_warned_before_inviting_outside_the_participants(app):
    open_wave(app, questionnaire="revalidering", key="r-open")
    client = signed_in_client(app, "coordinator", ["Hjørring"])
    page = client.get("/dashboard/")
    form = {
        "wave": "revalidering/r-open",
        "municipality": "Hjørring",
        "count": "2",
        "csrf_token": csrf_token_from(page.text),
    }
    warned = client.post("/dashboard/invitations", data=form)
    assert warned.status_code == 200 and "deltager ikke i forsøget" in warned.text
    assert "text/csv" not in warned.content_type
    confirmed = client.post("/dashboard/invitations", data={**form, "outside_confirmed": "1"})
    assert confirmed.status_code == 200 and "text/csv" in confirmed.content_type
