"""The small questionnaire reader of analysis/: what it keeps and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.definitions import (
    DefinitionError,
    definition_from_mapping,
    load_definitions,
    merge_versions,
)
from tests.analysis.helpers import QUESTIONNAIRES, definitions


def minimal(**changes):
    data = {
        "key": "x",
        "version": 1,
        "title": "X",
        "scales": [
            {"key": "jn", "type": "yes_no", "options": [
                {"code": 1, "label": "Ja"}, {"code": 2, "label": "Nej"}]},
            {"key": "nj", "type": "yes_no", "options": [
                {"code": 2, "label": {"da": "Ja, helt", "en": "Yes"}},
                {"code": 1, "label": {"da": "Nej", "en": "No"}}]},
            {"key": "ab", "type": "yes_no", "options": [
                {"code": 1, "label": "Enig"}, {"code": 2, "label": "Uenig"}]},
        ],
        "domains": [{"key": "d", "label": {"da": "Dom", "en": "Dom"}, "reliability": 0.7}],
        "items": [
            {"key": "a", "text": "Første", "scale": "jn", "domain": "d", "ignored": 1},
            {"key": "b", "text": {"da": "Anden"}, "scale": "nj", "polarity": "negative"},
            {"key": "c", "text": "Tredje", "scale": "ab"},
        ],
    }  # fmt: skip
    data.update(changes)
    return data


def test_reads_what_analysis_needs_and_ignores_the_rest():
    d = definition_from_mapping(minimal())
    a, b, c = d.items
    assert (a.text, a.scale_type, a.labels, a.domain, a.polarity) == (
        "Første", "yes_no", ("Ja", "Nej"), "d", "positive",
    )  # fmt: skip
    assert b.labels == ("Nej", "Ja, helt")  # options sorted by code
    assert (a.yes_code, b.yes_code, c.yes_code) == (1, 2, 1)  # no "Ja": code 1 is yes
    assert d.domain("d").reliability == 0.7 and d.domain("d").label == "Dom"
    assert d.domain_items("d") == ()  # yes/no items never make a domain score


@pytest.mark.parametrize(
    "change",
    [
        {"items": [{"key": "a", "text": "x", "scale": "findes_ikke"}]},
        {"domains": [{"key": "d", "label": "D", "reliability": 1.5}]},
        {"scales": [{"key": "s", "options": [{"code": 2, "label": "x"}]}]},
        {"scales": [{"key": "s", "type": "interval", "options": [{"code": 1, "label": "x"}]}]},
        {"version": "en"},
    ],
)
def test_refuses_definitions_it_cannot_use(change):
    with pytest.raises(DefinitionError):
        definition_from_mapping(minimal(**change))
    with pytest.raises(DefinitionError):
        definition_from_mapping(["not", "a", "mapping"])


def test_load_all_versions_and_merge():
    versions = definitions("proeve")
    assert sorted(versions) == [1, 2]
    merged = merge_versions(versions, {1, 2})
    assert not merged.is_comparable("brug") and merged.is_comparable("forenklet")
    assert merged.item("brug").text.startswith("Hvor ofte har du brugt")  # newest wording
    assert merge_versions(versions, {1}).is_comparable("brug")
    with pytest.raises(DefinitionError, match=r"version\(s\) \[3\]"):
        merge_versions(versions, {1, 3})


def test_load_refusals(tmp_path):
    with pytest.raises(DefinitionError, match="does not exist"):
        load_definitions(tmp_path / "mangler", "proeve")
    with pytest.raises(DefinitionError, match="no definition of questionnaire 'mentor'"):
        load_definitions(QUESTIONNAIRES, "mentor")
    (tmp_path / "brudt.v1.yaml").write_text("key: [", encoding="utf-8")
    with pytest.raises(DefinitionError, match="brudt.v1.yaml"):
        load_definitions(tmp_path, "brudt")


def test_reads_the_shipped_ledighedsydelse_definition():
    directory = Path(__file__).parents[2] / "questionnaires"
    if not (directory / "ledighedsydelse.v1.yaml").exists():
        pytest.skip("the shipped questionnaire is not there")
    d = load_definitions(directory, "ledighedsydelse")[1]
    assert [i.key for i in d.items][:2] == ["forenklet_sagsbehandling", "kvalitet_revurdering"]
    assert d.items[0].labels[0] == "Slet ikke" and d.items[0].n_options == 5
