"""Issue 11's instruments: the routed versions 2 and the two new checklists match the seeds.

The seed quotes below are copied by hand from shared/seeds/003_32f9ab47632c8fb0.txt (joined where
the PDF extraction broke a line), not from the questionnaire files, so a change of wording in a
file fails here; each quote is also looked up in the seed itself.
"""

from __future__ import annotations

import hashlib

import pytest

from survey_app.instruments.conditions import visible_item_keys
from survey_app.questionnaire_schema import Questionnaire, compare_versions, load_directory
from tests.test_seed_instruments import QUESTIONNAIRES, SEED_003, normalise, phrase_pattern

# The version-1 files as they were before issue 11, and the fingerprints the pre-issue-11 schema
# (commit 082c508) computed for them: a stored version never changes.
V1_FINGERPRINTS = {
    "en-plan": "f067b142192f0d478dc91db00016c27f8ef35f4143ed8c7101f856ce385f6888",
    "integration-borger": "3d1fb2ebe2cd941f71e81d5c54ee9526f1bd09a274814b7c9097c9b84f5b7dcb",
    "integration-raadgiver": "e92fc0d5a13d92131bd669c21568aa2309a8c880d971c329e307530f8defd18a",
    "ledelsestilsyn": "7b28e905d40425040e757eba35cde4abc4760ad4b3531901e5169c5eed47bdc9",
    "ledighedsydelse": "fb9c77a1c7a01c75b12d90a5f47c573ed8df4cc4a6cafe5bf3c3ee8cc40099ce",
    "mentor": "b21a77f72125bf47faf856f7b0df97ff1797fd18b4b0e9e02850a75c3091caa9",
    "ressourceforloeb": "d4e35b64b18653c7932c852bd41af426f932bd6bab367f37ac8b8fe4c812430d",
    "revalidering": "29406dfd4384a569875fbc186d48af129d4145fcb70d75c5dab6a1ec2b4712a8",
}
# SHA-256 of the version-1 files' bytes at commit 082c508 (before issue 11).
V1_FILE_SHA256 = {
    "en-plan": "7c8371a2bb031f5c509fef745a044789115a1d10e5c762b946ee4d2336772c25",
    "integration-borger": "b76857366c9b8b4da35c49c23a74b1396daf5db6549ee658e08d28877dc2038d",
    "integration-raadgiver": "13ae5a00a3742dba5e351ae7e3d081280d8b4b38ce09c1d4adebe22ed02f67b0",
    "ledelsestilsyn": "33b1228bc6c52183b9071ef6a4d0be497f835c1204f20f9abc6c5eb139631d53",
    "ledighedsydelse": "621a9e5967a8a0100939a4c625166a8773a0f5071daad2c3a0456181283a7659",
    "mentor": "39f57d21bea7e7d273efb9171eb0d1574e5ccc39ab086ef87df7b1e4a3bdd1dc",
    "ressourceforloeb": "4c90e2584482f7e7565e6519b6a76fe4adb161695651c154981a40d1bdb9589b",
    "revalidering": "41a21ae10b6ad2bed194ffe9ba742ead3b8ef33817310c4e9677a19fe4151948",
}

# Verbatim item texts, copied from seed 003.
MENTOR_QUESTIONS = [
    "Har du benyttet dig af muligheden for at give et mere fleksibelt tilrettelagt tilbud om "
    "ret- og pligtmentor?",
    "I hvor høj grad har det fleksible tilrettelagte tilbud om ret- og pligtmentor forenklet "
    "kontaktforløbet?",
    "Hvordan vurderer du kvaliteten af de fleksibelt tilrettelagte tilbud om ret- og pligtmentor "
    "sammenlignet med tilbud om ret- og pligtmentor hver 14. dag? De fleksible tilrettelagte "
    "forløb er:",
]
MENTOR_LABELS = [
    ["Aldrig", "Få gange", "Ofte", "Hver gang"],
    ["Slet ikke", "i mindre grad", "hverken eller", "i nogen grad", "i høj grad"],
    [
        "af dårligere kvalitet",
        "af samme kvalitet",
        "i nogen grad af højere kvalitet",
        "af meget højere kvalitet",
    ],
]
LEDELSESTILSYN_CHECKS = [
    "Er sagen afgjort uden indhentelse af LÆ265?",
    "Har egen læge har været inddraget i udredningen af sagen, i sager hvor der ikke er indhentet "
    "LÆ265?",
    "Skønnes der tvivl om, hvorvidt det lægelige dokumentationsgrundlag er tilstrækkeligt, "
    "således at LÆ265 burde have været indhentet?",
    "Hvis LÆ265 havde været indhentet, skønnes det da, at indhentelsen af læ265 ville have "
    "forlænget sagsbehandlingen i sagen, såfremt den ikke kunne indhentes parallelt med "
    "sagsbehandlingen?",
    "Er der indhentet LÆ265, grundet tvivl om den lægelige dokumentation?",
]
CASE_REVIEW_QUESTIONS = [
    "Hvilke kendetegn har de borgere, der er fritaget?",
    "Hvilke indsatser har borgerne fået i stedet?",
    "Er fritagelsen ophørt rettidigt i forløbet?",
]
# Seed phrases each item must carry, where the seed words a point rather than a question.
RESSOURCEFORLOEB_PHRASES = {
    "borger_oensket_forlaengelse": (
        "ønsket forlængelse af ressourceforløbet udenom rehabiliteringsteamet"
    ),
    "varighed_forlaengelse": "Varighed af forlængelsen",
    "forholdt_sig_til_fleksjob_fp": (
        "forholdt sig til berettigelse til fleksjob eller førtidspension forud for bevillingen"
    ),
    "forelagt_rehabiliteringsteamet": "været forelagt rehabiliteringsteamet",
    "forsoergelsesgrundlag": (
        "når ressourceforløbet har været forlænget, og sagen efterfølgende har været forelagt "
        "rehabiliteringsteamet"
    ),
}
REVALIDERING_PHRASES = {
    "mere_smidig_sagsbehandling": "at sagsbehandlingen er mere smidig ift. tidligere?",
    "egen_laege_inddrages_om": "i udredningen af sagerne, når det ikke sker igennem",
    "egen_laege_hvordan": "i udredningen af sagerne, når det ikke sker igennem",
    "anden_adfaerd_belysning": "givet anledning til en anden adfærd i belysningen af sagerne?",
    "saerlige_sagstyper_lae265": (
        "er der særlige sagstyper, hvor LÆ265 indhentes uagtet muligheden for undtagelsen, fordi "
        "der er tvivl om arbejdsevnen?"
    ),
    "hvilke_sagstyper": "sagstyper",
    "muligheder_barrierer": "muligheder og barrierer samt øvrige relevante forhold",
}


@pytest.fixture(scope="module")
def versions() -> dict[tuple[str, int], Questionnaire]:
    found, messages = load_directory(QUESTIONNAIRES)
    assert messages == []
    return {(q.key, q.version): q for q in found}


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED_003.is_file():
        pytest.skip(f"seed 003 not found at {SEED_003}")
    return normalise(SEED_003.read_text(encoding="utf-8"))


def texts(q: Questionnaire) -> list[str]:
    return [normalise(i.text.da) for i in q.items]


# --- every new file is valid, v1 never changes --------------------------------------------------


NEW_FILES = [
    ("mentor", 2),
    ("ledelsestilsyn", 2),
    ("revalidering", 2),
    ("ressourceforloeb-tilsyn", 1),
    ("mentor-sagsgennemgang", 1),
]


@pytest.mark.parametrize(("key", "version"), NEW_FILES)
def test_new_file_is_valid_with_english_everywhere(versions, key, version):
    q = versions[(key, version)]
    assert q.audience == "caseworker" and q.anonymous is True
    assert q.title.en and q.trial.en and q.intro.en
    for item in q.items:
        assert item.text.en, item.key
        if item.help:
            assert item.help.en, item.key
    for scale in q.scales:
        assert all(o.label.en for o in scale.options), scale.key
    assert q.languages() == ["da", "en"]


@pytest.mark.parametrize("key", sorted(V1_FINGERPRINTS))
def test_version_1_fingerprints_are_unchanged(versions, key):
    assert versions[(key, 1)].fingerprint() == V1_FINGERPRINTS[key]


@pytest.mark.parametrize("key", sorted(V1_FILE_SHA256))
def test_version_1_files_are_byte_for_byte_as_before(key):
    digest = hashlib.sha256((QUESTIONNAIRES / f"{key}.v1.yaml").read_bytes()).hexdigest()
    assert digest == V1_FILE_SHA256[key]


# --- the seed's words ----------------------------------------------------------------------------


def test_the_quotes_in_this_test_are_in_seed_003(seed):
    quotes = [*MENTOR_QUESTIONS, *LEDELSESTILSYN_CHECKS, *CASE_REVIEW_QUESTIONS]
    quotes += [*RESSOURCEFORLOEB_PHRASES.values(), *REVALIDERING_PHRASES.values()]
    quotes += [label for labels in MENTOR_LABELS for label in labels]
    for quote in quotes:
        assert phrase_pattern(quote).search(seed), quote


def test_mentor_v2_quotes_the_seed_with_its_capitalisation(versions, seed):
    q = versions[("mentor", 2)]
    assert texts(q) == [normalise(t) for t in MENTOR_QUESTIONS]
    assert [[o.label.da for o in q.scale_for(i).options] for i in q.items] == MENTOR_LABELS
    # exactly as capitalised in the seed, in the seed's order after each question
    for question, labels in zip(MENTOR_QUESTIONS, MENTOR_LABELS, strict=True):
        position = seed.index(normalise(question))
        for label in labels:
            position = seed.index(label, position)


def test_ledelsestilsyn_v2_asks_the_seeds_five_checks_in_order(versions):
    assert texts(versions[("ledelsestilsyn", 2)]) == [normalise(t) for t in LEDELSESTILSYN_CHECKS]


def test_mentor_case_review_asks_the_seeds_three_questions(versions):
    q = versions[("mentor-sagsgennemgang", 1)]
    assert texts(q) == CASE_REVIEW_QUESTIONS
    assert [i.type for i in q.items] == ["text", "text", "scale"]
    assert all(i.identifying for i in q.items if i.type == "text")


def test_ressourceforloeb_supervision_carries_the_seeds_points(versions):
    q = versions[("ressourceforloeb-tilsyn", 1)]
    assert [i.key for i in q.items] == list(RESSOURCEFORLOEB_PHRASES)
    for item in q.items:
        assert RESSOURCEFORLOEB_PHRASES[item.key] in normalise(item.text.da), item.key


def test_duration_of_the_extension_is_a_whole_number_of_months(versions):
    item = versions[("ressourceforloeb-tilsyn", 1)].item("varighed_forlaengelse")
    assert item.text.da == "Varighed af forlængelsen"
    fmt = item.number_format()
    assert item.type == "number" and fmt.kind == "integer"
    assert fmt.min == 1 and fmt.max >= 12  # seed 004: extensions of up to 12 months
    assert fmt.unit.da == "måneder" and fmt.unit.en == "months"


def test_revalidering_v2_asks_focus_points_a_to_d_with_open_follow_ups(versions):
    q = versions[("revalidering", 2)]
    assert [i.key for i in q.items] == list(REVALIDERING_PHRASES)
    for item in q.items:
        assert REVALIDERING_PHRASES[item.key].lower() in normalise(item.text.da).lower(), item.key
    open_items = [i for i in q.items if i.type == "text"]
    assert [i.key for i in open_items] == [
        "egen_laege_hvordan",
        "hvilke_sagstyper",
        "muligheder_barrierer",
    ]
    assert all(i.identifying and not i.required and i.multiline for i in open_items)


def test_revalidering_v2_keeps_the_closed_focus_points_comparable(versions):
    comparison = compare_versions(versions[("revalidering", 1)], versions[("revalidering", 2)])
    assert comparison.identical == [
        "mere_smidig_sagsbehandling",
        "egen_laege_inddrages_om",
        "anden_adfaerd_belysning",
        "saerlige_sagstyper_lae265",
    ]
    # version 1's invented list of ways to involve the doctor is replaced by an open answer
    assert comparison.removed == ["egen_laege_inddrages_hvordan"]


@pytest.mark.parametrize(("key", "version"), NEW_FILES)
def test_no_text_item_is_marked_non_identifying(versions, key, version):
    for item in versions[(key, version)].items:
        if item.type == "text":
            assert item.identifying, f"{key}.{item.key}"


# --- routing -------------------------------------------------------------------------------------


MENTOR = ["brug_fleksibelt_tilbud", "forenklet_kontaktforloeb", "kvalitet_fleksibelt_tilbud"]


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ({"brug_fleksibelt_tilbud": 1}, MENTOR[:1]),  # "Aldrig"
        ({"brug_fleksibelt_tilbud": 2}, MENTOR),
        ({"brug_fleksibelt_tilbud": 3}, MENTOR),
        ({"brug_fleksibelt_tilbud": 4}, MENTOR),
        ({}, MENTOR[:1]),  # not answered yet: a comparison on no answer is false
    ],
)
def test_mentor_v2_asks_items_2_and_3_unless_never_used(versions, answers, shown):
    assert visible_item_keys(versions[("mentor", 2)], answers) == shown


def test_mentor_v1_is_not_routed(versions):
    assert visible_item_keys(versions[("mentor", 1)], {"brug_fleksibelt_tilbud": 1}) == MENTOR


LEDELSESTILSYN = [
    "afgjort_uden_lae265",
    "egen_laege_inddraget",
    "tvivl_dokumentationsgrundlag",
    "lae265_forlaenget_sagsbehandling",
    "lae265_grundet_tvivl",
]


@pytest.mark.parametrize(
    ("check_1", "shown"),
    [
        (1, LEDELSESTILSYN[:4]),  # "Ja": decided without LÆ265, checks 2-4
        (2, [LEDELSESTILSYN[0], LEDELSESTILSYN[4]]),  # "Nej": LÆ265 obtained, check 5
        (None, LEDELSESTILSYN[:1]),
    ],
)
def test_ledelsestilsyn_v2_routes_on_check_1(versions, check_1, shown):
    answers = {} if check_1 is None else {"afgjort_uden_lae265": check_1}
    # answers to checks that end up hidden change nothing
    answers |= dict.fromkeys(LEDELSESTILSYN[1:], 1)
    assert visible_item_keys(versions[("ledelsestilsyn", 2)], answers) == shown


def test_ledelsestilsyn_v2_has_no_not_relevant_option(versions):
    q = versions[("ledelsestilsyn", 2)]
    assert all(s.non_substantive is None for s in q.scales)
    assert all(i.required for i in q.items)


@pytest.mark.parametrize(
    ("answers", "hidden"),
    [
        ({"egen_laege_inddrages_om": 1, "saerlige_sagstyper_lae265": 2}, {"egen_laege_hvordan",
                                                                          "hvilke_sagstyper"}),
        ({"egen_laege_inddrages_om": "ved_ikke", "saerlige_sagstyper_lae265": "ved_ikke"},
         {"egen_laege_hvordan", "hvilke_sagstyper"}),
        ({"egen_laege_inddrages_om": 2, "saerlige_sagstyper_lae265": 1}, set()),
        ({"egen_laege_inddrages_om": 5, "saerlige_sagstyper_lae265": 2}, {"hvilke_sagstyper"}),
    ],
)  # fmt: skip
def test_revalidering_v2_follow_ups_are_routed(versions, answers, hidden):
    q = versions[("revalidering", 2)]
    shown = visible_item_keys(q, answers)
    assert set(i.key for i in q.items) - set(shown) == hidden


@pytest.mark.parametrize(("before_team", "asked"), [(1, True), (2, False), (None, False)])
def test_income_basis_is_asked_only_after_the_rehabilitation_team(versions, before_team, asked):
    q = versions[("ressourceforloeb-tilsyn", 1)]
    answers = {} if before_team is None else {"forelagt_rehabiliteringsteamet": before_team}
    assert ("forsoergelsesgrundlag" in visible_item_keys(q, answers)) is asked
