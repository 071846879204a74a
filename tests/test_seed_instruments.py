"""The shipped instruments match the seeds: keys, item counts, audiences, verbatim wording."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey_app.questionnaire_schema import Questionnaire, load_directory

REPO = Path(__file__).resolve().parents[1]
QUESTIONNAIRES = REPO / "questionnaires"
SEED_003 = Path(__file__).resolve().parents[2] / "shared/seeds/003_32f9ab47632c8fb0.txt"

# key: (audience, anonymous, number of items or None when only a range is required)
REQUIRED = {
    "ledighedsydelse": ("caseworker", True, 2),
    "mentor": ("caseworker", True, 3),
    "revalidering": ("caseworker", True, None),
    "ledelsestilsyn": ("caseworker", True, 5),
    "integration-borger": ("citizen", True, None),
    "integration-raadgiver": ("caseworker", True, None),
    "ressourceforloeb": ("citizen", True, None),
    "en-plan": ("citizen", False, None),
    # issue 11: the two checklists the seeds describe (management review per case)
    "ressourceforloeb-tilsyn": ("caseworker", True, 5),
    "mentor-sagsgennemgang": ("caseworker", True, 3),
}

# Questionnaires whose Danish item texts and option labels are quoted verbatim from seed 003.
VERBATIM = ["ledighedsydelse", "mentor", "ledelsestilsyn"]


def normalise(text: str) -> str:
    """Collapse the PDF extraction's line breaks and runs of spaces into single spaces."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def questionnaires() -> dict[str, Questionnaire]:
    found, messages = load_directory(QUESTIONNAIRES)
    assert messages == []
    return {q.key: q for q in found if q.version == 1}


@pytest.fixture(scope="module")
def seed_003() -> str:
    if not SEED_003.is_file():
        pytest.skip(f"seed 003 not found at {SEED_003} (CI checks out shared/ next to the repo)")
    return normalise(SEED_003.read_text(encoding="utf-8"))


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A whole-phrase pattern; the first letter may be upper or lower case, the rest is exact."""
    phrase = normalise(phrase)
    first, rest = phrase[0], phrase[1:]
    head = (
        f"[{re.escape(first.lower())}{re.escape(first.upper())}]"
        if first.isalpha()
        else re.escape(first)
    )
    return re.compile(rf"(?<!\w){head}{re.escape(rest)}(?!\w)")


# --- keys, counts and audiences ------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_required_questionnaire_exists(questionnaires, key):
    audience, anonymous, count = REQUIRED[key]
    q = questionnaires.get(key)
    assert q is not None, f"questionnaires/{key}.v1.yaml is missing"
    assert q.audience == audience
    assert q.anonymous is anonymous
    if count is not None:
        assert len(q.items) == count


@pytest.mark.parametrize("key", ["integration-borger", "integration-raadgiver", "ressourceforloeb"])
def test_short_questionnaires_have_three_to_six_items(questionnaires, key):
    assert 3 <= len(questionnaires[key].items) <= 6


@pytest.mark.parametrize("key", ["integration-borger", "integration-raadgiver"])
def test_integration_items_use_five_point_scales(questionnaires, key):
    q = questionnaires[key]
    for item in q.items:
        assert len(q.scale_for(item).options) == 5, item.key


def test_revalidering_covers_the_four_focus_points(questionnaires):
    q = questionnaires["revalidering"]
    types = {q.scale_for(i).type for i in q.items}
    assert {"ordinal", "yes_no", "nominal"} <= types
    assert 4 <= len(q.items) <= 5


def test_ledelsestilsyn_is_five_yes_no_checks(questionnaires):
    q = questionnaires["ledelsestilsyn"]
    assert len(q.items) == 5
    for item in q.items:
        scale = q.scale_for(item)
        assert scale.type == "yes_no"
        assert [(o.code, o.label.da) for o in scale.options] == [(1, "Ja"), (2, "Nej")]
        # the export only knows the missing codes ved_ikke / ubesvaret
        if scale.non_substantive is not None:
            assert scale.non_substantive.key == "ved_ikke"


def test_mentor_scales(questionnaires):
    q = questionnaires["mentor"]
    labels = [[o.label.da for o in q.scale_for(i).options] for i in q.items]
    assert labels[0] == ["Aldrig", "Få gange", "Ofte", "Hver gang"]
    assert len(labels[1]) == 5
    assert len(labels[2]) == 4


def test_ressourceforloeb_asks_about_the_plan(questionnaires):
    q = questionnaires["ressourceforloeb"]
    assert any("plan" in i.text.da for i in q.items)


def test_en_plan_is_a_repeated_progression_instrument(questionnaires):
    q = questionnaires["en-plan"]
    assert q.repeated is True
    assert q.anonymous is False
    assert 8 <= len(q.items) <= 12
    assert 3 <= len(q.domains) <= 4
    for domain in q.domains:
        assert domain.reliability is not None and 0 < domain.reliability < 1, domain.key
        members = [i for i in q.items if i.domain == domain.key]
        assert len(members) >= 2, f"domain {domain.key} has fewer than two items"
    for item in q.items:
        scale = q.scale_for(item)
        assert item.domain is not None, item.key
        assert scale.type == "ordinal", item.key
        assert [o.code for o in scale.options] == [1, 2, 3, 4, 5], item.key
        assert item.polarity == "positive", item.key


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_every_text_has_english(questionnaires, key):
    q = questionnaires[key]
    assert q.title.en and q.trial and q.trial.en and q.intro and q.intro.en
    for item in q.items:
        assert item.text.en, item.key
    for scale in q.scales:
        assert all(o.label.en for o in scale.options), scale.key


# --- verbatim wording from seed 003 --------------------------------------------------------------


@pytest.mark.parametrize("key", VERBATIM)
def test_item_texts_are_verbatim_from_seed_003(questionnaires, seed_003, key):
    for item in questionnaires[key].items:
        assert phrase_pattern(item.text.da).search(seed_003), (
            f"{key}.{item.key}: Danish text not found in seed 003: {item.text.da!r}"
        )


@pytest.mark.parametrize("key", ["ledighedsydelse", "mentor"])
def test_option_labels_are_verbatim_and_in_seed_order(questionnaires, seed_003, key):
    q = questionnaires[key]
    for item in q.items:
        question = phrase_pattern(item.text.da).search(seed_003)
        assert question, f"{key}.{item.key}: question not found in seed 003"
        position = question.end()
        for option in q.scale_for(item).options:
            pattern = phrase_pattern(option.label.da)
            assert pattern.search(seed_003), (
                f"{key}.{item.key}: option {option.label.da!r} not found in seed 003"
            )
            found = pattern.search(seed_003, position)
            assert found, (
                f"{key}.{item.key}: option {option.label.da!r} is not after the previous option "
                "in seed 003 (wrong order?)"
            )
            # the options belong to this question: they follow it closely
            assert found.start() - question.end() < 400, (
                f"{key}.{item.key}: option {option.label.da!r} is far from its question"
            )
            position = found.end()


def test_ledelsestilsyn_questions_are_in_seed_order(questionnaires, seed_003):
    position = seed_003.index("Temaledelsestilsyn")
    for item in questionnaires["ledelsestilsyn"].items:
        found = phrase_pattern(item.text.da).search(seed_003, position)
        assert found, f"ledelsestilsyn.{item.key} is not after the previous check in seed 003"
        position = found.end()


def test_verbatim_check_rejects_an_altered_text(seed_003):
    # guards the matcher itself: a changed word or a changed inner capital must not pass
    assert phrase_pattern("I høj grad").search(seed_003)
    assert not phrase_pattern("I meget høj grad").search(seed_003)
    assert not phrase_pattern("Få Gange").search(seed_003)
