"""The routing language (instruments/conditions.py) and the open item types in the schema."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from survey_app.instruments.conditions import (
    ConditionError,
    as_json,
    evaluate,
    parse_condition,
    referenced_items,
    visible_item_keys,
)
from survey_app.questionnaire_schema import (
    QuestionnaireError,
    compare_versions,
    load_directory,
    parse_questionnaire,
)
from tests.conftest import database_at

HEAD = """\
key: routed
version: 1
title: "Routet"
audience: caseworker
anonymous: true
scales:
  - key: brug
    options:
      - {code: 1, label: "Aldrig"}
      - {code: 2, label: "Få gange"}
      - {code: 3, label: "Ofte"}
    non_substantive: {key: ved_ikke, label: "Ved ikke"}
items:
  - key: brug
    text: "Har du brugt muligheden?"
    scale: brug
"""


def routed(*items: str) -> str:
    """HEAD followed by further items given as YAML list entries."""
    return HEAD + "".join(items)


FOLLOW_UP = """\
  - key: hvordan
    text: "Hvordan?"
    type: text
    multiline: true
    max_length: 500
    identifying: false
    show_if: "brug != 1"
  - key: antal
    text: "Hvor mange sager?"
    type: number
    number: {kind: integer, min: 0, max: 200, unit: "sager"}
    show_if: "brug in (2, 3) and answered(hvordan)"
"""


def refusal(text_: str) -> str:
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(text_, "routed.v1.yaml")
    return "\n".join(caught.value.messages)


# --- the language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ("a == 1", {"a": 1}, True),
        ("a == 1", {"a": 2}, False),
        ("a != 1", {"a": 2}, True),
        ("a != 1", {}, False),  # unanswered: every comparison is false, != included
        ("a != 1", {"a": "ved_ikke"}, False),
        ("not a == 1", {}, True),
        ("a >= 2", {"a": 2}, True),
        ("a > 2", {"a": 2}, False),
        ("a <= 2.5", {"a": Decimal("2.5")}, True),
        ("a < 0", {"a": Decimal("-1")}, True),
        ("a in (2, 3)", {"a": 3}, True),
        ("a in (2, 3)", {"a": 1}, False),
        ("answered(a)", {"a": 1}, True),
        ("answered(a)", {"a": "ubesvaret"}, False),
        ("unanswered(a)", {}, True),
        ("a == 1 or b == 1", {"b": 1}, True),
        ("a == 1 and b == 1", {"a": 1, "b": 2}, False),
        ("not (a == 1 or b == 1)", {"a": 2}, True),
        ("a == 1 and b == 2 or c == 3", {"c": 3}, True),  # and binds tighter than or
        ("a == 1 and (b == 2 or c == 3)", {"c": 3}, False),
    ],
)
def test_evaluation(condition, answers, expected):
    assert evaluate(parse_condition(condition), answers) is expected


def test_answered_text_counts_only_non_blank_text():
    condition = parse_condition("answered(t)")
    assert evaluate(condition, {"t": "noget"}, texts=frozenset({"t"}))
    assert not evaluate(condition, {"t": "   "}, texts=frozenset({"t"}))
    assert not evaluate(condition, {"t": "noget"})  # a string is a missing code unless a text item


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("", "empty"),
        ("a ==", "expected a number"),
        ("a = 1", "cannot read"),
        ("a == 'ja'", "cannot read"),
        ("a == 1 b == 2", "unexpected 'b'"),
        ("(a == 1", "expected ')'"),
        ("a", "expected a comparison"),
        ("and == 1", "cannot start a comparison"),
        ("answered(not)", "keyword"),
        ("__import__('os').system('x') == 1", "cannot read"),
        ("a == 1" + " or a == 1" * 60, "at most"),
    ],
)
def test_refused_conditions_say_what_is_wrong(condition, message):
    with pytest.raises(ConditionError) as caught:
        parse_condition(condition)
    assert message in str(caught.value)


def test_referenced_items_and_json_form():
    condition = parse_condition("not (a in (1, 2) and answered(b)) or a >= 3")
    assert referenced_items(condition) == ["a", "b"]
    assert as_json(condition) == {
        "op": "or",
        "operands": [
            {
                "op": "not",
                "operand": {
                    "op": "and",
                    "operands": [
                        {"op": "in", "item": "a", "values": [1.0, 2.0]},
                        {"op": "answered", "item": "b"},
                    ],
                },
            },
            {"op": ">=", "item": "a", "value": 3.0},
        ],
    }


# --- checked against the questionnaire -------------------------------------------------------


def test_a_routed_questionnaire_with_open_items_loads():
    q = parse_questionnaire(routed(FOLLOW_UP))
    assert [i.type for i in q.items] == ["scale", "text", "number"]
    assert q.item("hvordan").text_limit() == 500
    assert q.item("antal").number_format().max == Decimal(200)


def test_visible_items_follow_the_answers_front_to_back():
    q = parse_questionnaire(routed(FOLLOW_UP))
    assert visible_item_keys(q, {"brug": 1}) == ["brug"]
    assert visible_item_keys(q, {"brug": 2}) == ["brug", "hvordan"]
    assert visible_item_keys(q, {"brug": 2, "hvordan": "Sådan"}) == ["brug", "hvordan", "antal"]
    # A stale answer to a hidden item never opens a route.
    assert visible_item_keys(q, {"brug": 1, "hvordan": "Sådan"}) == ["brug"]


@pytest.mark.parametrize(
    ("show_if", "message"),
    [
        ("ukendt == 1", "items[1](key 'hvordan').show_if: unknown item 'ukendt'"),
        ("hvordan == 1", "refers to its own item 'hvordan' (a cycle)"),
        ("senere == 1", "refers to the later item 'senere'"),
        ("brug == 7", "'7' is not an option code of 'brug' (codes 1–3)"),
        ("brug in (1, 2.5)", "'2.5' is not an option code of 'brug'"),
        ("brug ==", "show_if: expected a number"),
    ],
)
def test_bad_conditions_are_refused_with_file_and_field(show_if, message):
    items = f"""\
  - key: hvordan
    text: "Hvordan?"
    scale: brug
    show_if: "{show_if}"
  - key: senere
    text: "Senere?"
    scale: brug
"""
    messages = refusal(routed(items))
    assert "routed.v1.yaml: " in messages
    assert message in messages


def test_a_text_item_can_only_be_tested_for_an_answer():
    items = (
        FOLLOW_UP
        + """\
  - key: efter
    text: "Efter?"
    scale: brug
    show_if: "hvordan == 1"
"""
    )
    assert "'hvordan' is an open text item: only answered()/unanswered()" in refusal(routed(items))


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("type: text\n    scale: brug", "a text item has no scale"),
        ("type: scale", "a scale item needs a scale"),
        ("type: number\n    multiline: true", "only a text item has 'multiline'"),
        ("scale: brug\n    number: {kind: integer}", "only a number item has a number format"),
        ("type: number\n    number: {min: 5, max: 1}", "min 5 is greater than max 1"),
        ("type: number\n    number: {kind: integer, min: 0.5}", "whole-number bound"),
        ("type: number\n    number: {kind: integer, decimals: 2}", "an integer has no decimals"),
        ("type: text\n    polarity: negative", "a text item has no polarity"),
        ("type: essay", "Input should be 'scale', 'text' or 'number'"),
    ],
)
def test_fields_that_do_not_fit_the_item_type_are_refused(item, message):
    items = f"""\
  - key: andet
    text: "Andet?"
    {item}
"""
    assert message in refusal(routed(items))


def test_further_languages_are_kept_and_listed():
    q = parse_questionnaire(
        HEAD.replace('title: "Routet"', 'title: {da: "Routet", en: "Routed", ar: "موجه"}')
        .replace('text: "Har du brugt muligheden?"', 'text: {da: "Brugt?", en: "Used?", ar: "هل؟"}')
        .replace('label: "Aldrig"', 'label: {da: "Aldrig", en: "Never", ar: "أبدا"}')
    )
    assert q.title.get("ar") == "موجه"
    assert q.title.get("uk") == "Routet"  # falls back to Danish
    # Arabic is not in every text (the other options lack it), English neither: only Danish.
    assert q.languages() == ["da"]
    assert q.title.languages() == ["da", "en", "ar"]


def test_a_language_key_must_be_a_language_code():
    messages = refusal(HEAD.replace('title: "Routet"', 'title: {da: "Routet", Arabic: "x"}'))
    assert "'Arabic' is not a language code" in messages


def test_fingerprints_of_shipped_version_1_files_never_change():
    # Taken from the files before the new item fields existed (commit 082c508).
    expected = {
        "en-plan": "f067b142192f0d478dc91db00016c27f8ef35f4143ed8c7101f856ce385f6888",
        "integration-borger": "3d1fb2ebe2cd941f71e81d5c54ee9526f1bd09a274814b7c9097c9b84f5b7dcb",
        "ledelsestilsyn": "7b28e905d40425040e757eba35cde4abc4760ad4b3531901e5169c5eed47bdc9",
        "mentor": "b21a77f72125bf47faf856f7b0df97ff1797fd18b4b0e9e02850a75c3091caa9",
        "revalidering": "29406dfd4384a569875fbc186d48af129d4145fcb70d75c5dab6a1ec2b4712a8",
    }
    found, errors = load_directory(Path(__file__).resolve().parents[1] / "questionnaires")
    assert errors == []
    version_1 = {q.key: q.fingerprint() for q in found if q.version == 1}
    assert {key: version_1[key] for key in expected} == expected


def test_adding_a_route_makes_an_item_not_comparable():
    old = parse_questionnaire(routed(FOLLOW_UP.replace('    show_if: "brug != 1"\n', "")))
    new = parse_questionnaire(routed(FOLLOW_UP))
    comparison = compare_versions(old, new)
    assert comparison.identical == ["brug", "antal"]
    assert comparison.changed == ["hvordan"]


# --- storage ---------------------------------------------------------------------------------


def test_migration_0006_keeps_answers_and_allows_exactly_one_kind(tmp_path):
    from alembic import command

    from survey_app.migrate import alembic_config

    engine = database_at(tmp_path, "0005")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO municipality (id, name, network) VALUES (1, 'Aalborg', 'N');")
        )
        connection.execute(
            text(
                "INSERT INTO response (id, questionnaire_version_id, municipality_id, "
                "submitted_at, is_demo) VALUES ('r1', 1, 1, '2026-01-01', 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO answer (response_id, item_key, position, value, missing) "
                "VALUES ('r1', 'a', 1, 2, NULL), ('r1', 'b', 2, NULL, 'ved_ikke')"
            )
        )
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT item_key, value, text_value, missing FROM answer ORDER BY item_key")
        ).all()
        assert [tuple(r) for r in rows] == [("a", 2, None, None), ("b", None, None, "ved_ikke")]
        connection.execute(
            text(
                "INSERT INTO answer (response_id, item_key, position, text_value) "
                "VALUES ('r1', 'c', 3, 'Et åbent svar')"
            )
        )
    for values in ("2, 'tekst', NULL", "NULL, 'tekst', 'ubesvaret'", "NULL, NULL, NULL"):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO answer (response_id, item_key, position, value, text_value, "
                    f"missing) VALUES ('r1', 'd', 4, {values})"
                )
            )
