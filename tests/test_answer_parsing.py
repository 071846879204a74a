"""Parsing and validating posted answers of every item type, and routing applied on parse.

Pure: no app, no database (the parsing module is plain Python).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from survey_app.answering.answers import OpenText, canonical_number, decode, encode
from survey_app.answering.responses import (
    InvalidAnswer,
    UnacceptableAnswers,
    answer_rows,
    missing_required,
    newly_shown,
    parse_answers,
    valid_answers,
    visible_items,
)
from survey_app.questionnaire_schema import parse_questionnaire
from tests.routing_fixture import ROUTED_YAML

Q = parse_questionnaire(ROUTED_YAML)
USED = {"item-brugt": "1", "item-hvor_ofte": "3"}


def parse(**fields):
    return parse_answers(Q, MultiDict({f"item-{k}": v for k, v in fields.items()}))


def refusal(**fields) -> dict[str, str]:
    with pytest.raises(UnacceptableAnswers) as caught:
        parse(**fields)
    return caught.value.problems


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12", Decimal("12")), (" 7 ", Decimal("7")), ("024", Decimal("24")), ("3,0", Decimal("3"))],
)
def test_whole_numbers_are_read_and_stored_canonically(typed, stored):
    answers = parse(brugt="1", hvor_ofte="2", maaneder=typed)
    assert answers["maaneder"] == stored
    assert canonical_number(answers["maaneder"]) == str(stored)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("2,5", "2.5"), ("2.5", "2.5"), ("0", "0"), ("40", "40"), ("-0,0", "0"), ("12,50", "12.5")],
)
def test_decimal_comma_is_accepted_and_stored_with_a_point(typed, stored):
    assert canonical_number(parse(brugt="1", timer=typed)["timer"]) == stored


@pytest.mark.parametrize(
    "typed",
    ["1e3", "NaN", "nan", "Infinity", "inf", "1.000,5", "1 000", "1,000,000", "+3", "2,", ",5",
     "٣", "12 måneder", "0x10", "1_000", "3" * 50],
)  # fmt: skip
def test_numbers_that_are_not_plain_digits_are_refused_naming_the_question(typed):
    problems = refusal(brugt="1", timer=typed)
    assert list(problems) == ["timer"]
    assert "„Hvor mange timer om ugen?“" in problems["timer"]
    assert "tal" in problems["timer"]


@pytest.mark.parametrize(
    ("item", "typed", "words"),
    [("maaneder", "0", "mellem 1 og 24"), ("maaneder", "25", "mellem 1 og 24"),
     ("maaneder", "2,5", "helt tal"), ("timer", "40,5", "mellem 0 og 40"),
     ("timer", "-1", "mellem 0 og 40"), ("timer", "2,25", "højst have 1 decimal")],
)  # fmt: skip
def test_numbers_out_of_range_or_format_are_refused_with_a_clear_message(item, typed, words):
    problems = refusal(brugt="1", hvor_ofte="3", **{item: typed})
    assert words in problems[item]


def test_text_is_stored_as_given_with_the_forms_line_breaks_read_as_newlines():
    given = "  Fordi <b>'ingen'</b> tilbød det;\r\n=1+1\tmed tab  "
    answers = parse(brugt="2", hvorfor_ikke=given)
    assert answers["hvorfor_ikke"] == OpenText(
        "  Fordi <b>'ingen'</b> tilbød det;\n=1+1\tmed tab  "
    )


def test_text_refusals_too_long_control_characters_and_newline_in_one_line_text():
    assert "højst 200 tegn" in refusal(brugt="2", hvorfor_ikke="x" * 201)["hvorfor_ikke"]
    assert parse(brugt="2", hvorfor_ikke="x" * 200)["hvorfor_ikke"] == OpenText("x" * 200)
    assert "tegn" in refusal(brugt="2", hvorfor_ikke="a\x00b")["hvorfor_ikke"]
    assert "tegn" in refusal(brugt="2", hvorfor_ikke="a\x1bb")["hvorfor_ikke"]
    assert "én linje" in refusal(titel="Leder\nog mere")["titel"]
    assert "højst 40 tegn" in refusal(titel="x" * 41)["titel"]


def test_letters_of_any_script_are_kept():
    text = "مرحبا — Привіт — ሰላም \u200d"
    assert parse(brugt="2", hvorfor_ikke=text)["hvorfor_ikke"] == OpenText(text)


def test_empty_and_blank_boxes_are_no_answer():
    assert parse(brugt="2", hvorfor_ikke="   ", titel="") == {"brugt": 2}


@pytest.mark.parametrize(
    "fields",
    [{"item-brugt": "3"}, {"item-brugt": "ved_ikke"}, {"item-hvor_ofte": "1.0"},
     {"item-nope": "1"}, {"item-brugt": "١"}],
)  # fmt: skip
def test_forged_option_values_and_unknown_items_are_refused(fields):
    with pytest.raises(InvalidAnswer) as caught:
        parse_answers(Q, MultiDict(fields))
    assert not isinstance(caught.value, UnacceptableAnswers)


def test_two_values_for_one_item_are_refused():
    with pytest.raises(InvalidAnswer):
        parse_answers(Q, MultiDict([("item-brugt", "1"), ("item-brugt", "2")]))


def test_answers_to_hidden_items_are_discarded_and_their_problems_ignored():
    answers = parse(brugt="2", hvor_ofte="3", maaneder="999", timer="1e3", hvorfor_ikke="Tid")
    assert answers == {"brugt": 2, "hvorfor_ikke": OpenText("Tid")}


def test_a_hidden_answer_opens_no_later_item():
    # maaneder answers a hidden route (hvor_ofte unanswered); tilfreds depends on maaneder.
    answers = parse(brugt="1", maaneder="5")
    assert "maaneder" not in answers
    assert "tilfreds" not in visible_items(Q, answers)


def test_required_only_when_shown():
    assert missing_required(Q, {"brugt": 2}) == ["hvorfor_ikke", "tilfreds"]
    assert missing_required(Q, {"brugt": 1}) == ["hvor_ofte"]
    assert missing_required(Q, {"brugt": 1, "hvor_ofte": "ved_ikke"}) == []
    assert missing_required(Q, {"brugt": 1, "hvor_ofte": 2}) == ["maaneder"]
    assert missing_required(Q, {"brugt": 1, "hvor_ofte": 2, "maaneder": Decimal(3)}) == ["tilfreds"]


def test_rows_store_codes_texts_numbers_ikke_relevant_and_ubesvaret():
    answers = {"brugt": 1, "hvor_ofte": 2, "maaneder": Decimal("12"), "timer": Decimal("2.5"),
               "hvorfor_ikke": OpenText("forældet"), "tilfreds": 1}  # fmt: skip
    rows = {r.item_key: (r.value, r.text_value, r.missing) for r in answer_rows(Q, "r", answers)}
    assert rows == {
        "brugt": (1, None, None),
        "hvor_ofte": (2, None, None),
        "maaneder": (None, "12", None),
        "timer": (None, "2.5", None),
        "hvorfor_ikke": (None, None, "ikke_relevant"),  # hidden: its answer is discarded
        "titel": (None, None, "ubesvaret"),  # shown, optional, skipped
        "tilfreds": (1, None, None),
    }
    for value, text, missing in rows.values():
        assert sum(x is not None for x in (value, text, missing)) == 1


def test_drafts_encode_and_decode_every_kind_and_drop_what_no_longer_fits():
    answers = {"brugt": 1, "hvor_ofte": "ved_ikke", "timer": Decimal("2.5"),
               "titel": OpenText("Leder")}  # fmt: skip
    assert decode(encode(answers)) == answers
    stored = encode(answers) | {"titel": {"text": "x" * 41}, "nope": 1, "tilfreds": True}
    assert valid_answers(Q, decode(stored)) == {k: v for k, v in answers.items() if k != "titel"}
    assert decode({"a": {"number": "1e3"}, "b": [1], "c": None}) == {}
    assert decode("not a mapping") == {}


def test_newly_shown_items_are_those_the_page_did_not_show():
    answers = {"brugt": 1}
    assert newly_shown(Q, answers, ["brugt", "titel", "tilfreds"]) == ["hvor_ofte", "timer"]
    assert newly_shown(Q, answers, None) == []


def test_demo_answers_follow_routing_and_fit_every_item_type():
    import random

    from survey_app.answering.answers import value_problem
    from survey_app.demo import demo_answers

    rng = random.Random(7)
    kinds: dict[str, set] = {}
    for _ in range(200):
        answers = demo_answers(rng, Q, lift=0.0)
        shown = visible_items(Q, answers)
        assert set(answers) <= set(shown)
        assert missing_required(Q, answers) == []
        for key, value in answers.items():
            assert value_problem(Q, Q.item(key), value) is None, (key, value)
            kinds.setdefault(key, set()).add(type(value).__name__)
        rows = {r.item_key: r for r in answer_rows(Q, "r", answers)}
        for item in Q.items:
            if item.key not in shown:
                assert rows[item.key].missing == "ikke_relevant"
    assert kinds["maaneder"] == {"Decimal"} and kinds["timer"] == {"Decimal"}
    assert kinds["hvorfor_ikke"] == {"OpenText"} and kinds["titel"] == {"OpenText"}
    assert {"int", "str"} <= kinds["hvor_ofte"]  # codes and "Ved ikke"
    assert len(kinds) == len(Q.items)  # both routes were taken
