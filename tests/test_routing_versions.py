"""`versions` says which items stay comparable when a new version adds routing or open items."""

from __future__ import annotations

from survey_app.cli import main
from tests.routing_fixture import ROUTED_KEY, ROUTED_YAML


def test_versions_names_what_changed_routing_type_and_text(app, tmp_path):
    directory = tmp_path / "versions"
    directory.mkdir()
    old = ROUTED_YAML.replace("    show_if: brugt == 1\n  - key: maaneder", "  - key: maaneder")
    new = (
        ROUTED_YAML.replace("version: 1", "version: 2")
        .replace("Er du tilfreds?", "Er du alt i alt tilfreds?")
        .replace("max_length: 40", "max_length: 80")
    )
    (directory / f"{ROUTED_KEY}.v1.yaml").write_text(old, encoding="utf-8")
    (directory / f"{ROUTED_KEY}.v2.yaml").write_text(new, encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["load-questionnaires", str(directory)]).exit_code == 0
    listing = runner.invoke(main, ["versions", ROUTED_KEY])
    assert listing.exit_code == 0, listing.output
    assert "identical (comparable across waves): brugt, maaneder, timer, hvorfor_ikke" in (
        listing.output
    )
    assert "changed (not comparable): hvor_ofte, titel, tilfreds" in listing.output
    assert "    hvor_ofte: show_if changed" in listing.output
    assert "    titel: format changed" in listing.output
    assert "    tilfreds: text changed" in listing.output
