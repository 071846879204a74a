"""What `survey-app versions` says changed in an item between two versions."""

from __future__ import annotations

from survey_app.questionnaire_schema import (
    compare_versions,
    comparison_lines,
    item_differences,
    parse_questionnaire,
)

BASE = """
key: proeve
version: {version}
title: Prøve
audience: caseworker
anonymous: true
scales:
  - key: ja_nej
    type: yes_no
    options:
      - {{code: 1, label: Ja}}
      - {{code: 2, label: Nej}}
items:
  - key: brugt
    text: Har du brugt det?
    scale: ja_nej
    polarity: neutral
  - key: antal
    type: number
    text: {count_text}
    number: {{kind: integer, min: 0, max: {count_max}}}
    {count_route}
"""


def version(number: int, count_text="Hvor mange gange?", count_max=10, count_route=""):
    text = BASE.format(version=number, count_text=count_text, count_max=count_max,
                       count_route=count_route)  # fmt: skip
    return parse_questionnaire(text, f"proeve.v{number}.yaml")


def test_an_unchanged_item_has_no_differences():
    assert item_differences(version(1), version(2), "antal") == []
    assert compare_versions(version(1), version(2)).identical == ["brugt", "antal"]


def test_each_kind_of_change_is_named():
    v1 = version(1)
    assert item_differences(v1, version(2, count_max=20), "antal") == ["format"]
    assert item_differences(v1, version(2, count_text="Hvor ofte?"), "antal") == ["text"]
    routed = version(2, count_route='show_if: "brugt == 1"')
    assert item_differences(v1, routed, "antal") == ["show_if"]
    lines = comparison_lines(v1, routed, compare_versions(v1, routed))
    assert lines == [
        "  identical (comparable across waves): brugt",
        "  changed (not comparable): antal",
        "    antal: show_if changed (v2: number, shown if brugt == 1)",
        "  added: -",
        "  removed: -",
    ]
