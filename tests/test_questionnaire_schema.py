"""Unit tests of survey_app.questionnaire_schema: loading, refusals, fingerprints, versions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey_app.questionnaire_schema import (
    QuestionnaireError,
    compare_versions,
    load_directory,
    load_file,
    parse_questionnaire,
    questionnaire_files,
)

QUESTIONNAIRES = Path(__file__).resolve().parents[1] / "questionnaires"

VALID = """\
# A small but complete questionnaire.
key: demo
version: 1
title:
  da: "Demo"
  en: "Demo"
audience: caseworker
anonymous: true
scales:
  - key: grad
    type: ordinal
    options:
      - {code: 1, label: {da: "Slet ikke", en: "Not at all"}}
      - {code: 2, label: {da: "I nogen grad", en: "To some extent"}}
      - {code: 3, label: {da: "I høj grad", en: "To a great extent"}}
    non_substantive:
      key: ved_ikke
      label: {da: "Ved ikke", en: "Don't know"}
  - key: ja_nej
    type: yes_no
    options:
      - {code: 1, label: {da: "Ja", en: "Yes"}}
      - {code: 2, label: {da: "Nej", en: "No"}}
items:
  - key: foerste
    text:
      da: "Første spørgsmål?"
      en: "First question?"
    scale: grad
  - key: andet
    text:
      da: "Andet spørgsmål?"
      en: "Second question?"
    scale: ja_nej
"""

# The same content as VALID: other comments, layout, key order, flow style and a plain-string text.
VALID_REFORMATTED = """\
# Different comment, different layout, same content.
items:
- scale: grad
  key: foerste
  text: {en: "First question?", da: "Første spørgsmål?"}
- {key: andet, scale: ja_nej, text: {da: "Andet spørgsmål?", en: "Second question?"}}
scales:
- key: grad
  options:
  - label: {en: "Not at all", da: "Slet ikke"}
    code: 1
  - {label: {da: "I nogen grad", en: "To some extent"}, code: 2}
  - {code: 3, label: {da: "I høj grad", en: "To a great extent"}}
  non_substantive: {label: {da: "Ved ikke", en: "Don't know"}}
- {key: ja_nej, type: yes_no, options: [{code: 1, label: {da: Ja, en: "Yes"}},
    {code: 2, label: {da: Nej, en: "No"}}]}
anonymous: true
audience: caseworker
title: {en: Demo, da: Demo}
version: 1
key: demo
"""


def write(directory: Path, text: str, name: str = "demo.v1.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> list[str]:
    with pytest.raises(QuestionnaireError) as excinfo:
        load_file(path)
    messages = excinfo.value.messages
    assert messages, "a refusal must carry at least one message"
    for message in messages:
        assert str(path) in message, f"message does not name the file: {message}"
    return messages


def mentions(messages: list[str], *fragments: str) -> bool:
    return any(all(f in m for f in fragments) for m in messages)


# --- the shipped questionnaires -----------------------------------------------------------------


def test_questionnaires_directory_is_not_empty():
    assert questionnaire_files(QUESTIONNAIRES)


@pytest.mark.parametrize("path", questionnaire_files(QUESTIONNAIRES), ids=lambda p: p.name)
def test_every_shipped_file_loads(path: Path):
    questionnaire = load_file(path)
    assert path.name == f"{questionnaire.key}.v{questionnaire.version}.yaml"


@pytest.mark.parametrize("path", questionnaire_files(QUESTIONNAIRES), ids=lambda p: p.name)
def test_every_shipped_text_has_danish_and_english(path: Path):
    q = load_file(path)
    texts = [q.title, q.trial, q.intro]
    texts += [d.label for d in q.domains]
    for scale in q.scales:
        texts += [o.label for o in scale.options]
        if scale.non_substantive:
            texts.append(scale.non_substantive.label)
    for item in q.items:
        texts += [item.text, item.help]
    for text in texts:
        if text is not None:
            assert text.da.strip() and text.en and text.en.strip(), text


def test_load_directory_reports_no_errors_for_shipped_files():
    found, messages = load_directory(QUESTIONNAIRES)
    assert messages == []
    assert len(found) == len(questionnaire_files(QUESTIONNAIRES))


def test_valid_example_loads(tmp_path: Path):
    q = load_file(write(tmp_path, VALID))
    assert q.key == "demo" and q.version == 1
    assert [i.key for i in q.items] == ["foerste", "andet"]
    assert q.scale_for(q.item("andet")).type == "yes_no"


# --- refusals: each names the file and the offending field --------------------------------------


def test_yaml_syntax_error_names_the_line(tmp_path: Path):
    broken = VALID.replace("    scale: ja_nej\n", "    scale: [ja_nej\n")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "YAML syntax error")
    assert re.search(r"line \d+", messages[0]), messages


def test_yaml_syntax_error_line_number_is_right(tmp_path: Path):
    lines = VALID.splitlines(keepends=True)
    lines[2] = "version: 1: 2\n"  # line 3 is broken
    messages = refusal(write(tmp_path, "".join(lines)))
    assert "line 3" in messages[0], messages


def test_top_level_not_a_mapping_is_refused(tmp_path: Path):
    messages = refusal(write(tmp_path, "- just\n- a list\n"))
    assert mentions(messages, "(top level)")


def test_unknown_top_level_field(tmp_path: Path):
    messages = refusal(write(tmp_path, VALID + "colour: blue\n"))
    assert mentions(messages, "colour", "unknown field")


def test_unknown_nested_item_field(tmp_path: Path):
    broken = VALID.replace("  - key: andet\n    text:", "  - key: andet\n    txt:")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "items[1]", "andet", "txt", "unknown field")
    # and the now missing text is named too
    assert mentions(messages, "items[1]", "text")


def test_unknown_field_in_option(tmp_path: Path):
    broken = VALID.replace(
        '{code: 2, label: {da: "Nej", en: "No"}}',
        '{code: 2, value: 9, label: {da: "Nej", en: "No"}}',
    )
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "scales[1]", "ja_nej", "options[1].value", "unknown field")


def test_duplicate_item_keys(tmp_path: Path):
    broken = VALID.replace("  - key: andet\n", "  - key: foerste\n")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "items", "duplicate item key 'foerste'")


def test_duplicate_yaml_mapping_key_is_refused(tmp_path: Path):
    # A second `scale:` (or a second `items:` block) would silently replace the first.
    broken = VALID.replace("    scale: ja_nej\n", "    scale: ja_nej\n    scale: grad\n")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "duplicate key 'scale'")


def test_item_with_unknown_scale(tmp_path: Path):
    broken = VALID.replace("    scale: ja_nej\n", "    scale: ja_nej_maaske\n")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "items[1](key 'andet').scale", "unknown scale 'ja_nej_maaske'")


def test_item_with_unknown_domain(tmp_path: Path):
    broken = VALID.replace("    scale: ja_nej\n", "    scale: ja_nej\n    domain: hverdag\n")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "items[1](key 'andet').domain", "unknown domain 'hverdag'")


def test_empty_scale(tmp_path: Path):
    broken = VALID.replace(
        '    options:\n      - {code: 1, label: {da: "Ja", en: "Yes"}}\n'
        '      - {code: 2, label: {da: "Nej", en: "No"}}\n',
        "    options: []\n",
    )
    assert broken != VALID
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "scales[1](key 'ja_nej').options", "empty")


def test_duplicate_option_codes(tmp_path: Path):
    broken = VALID.replace(
        '{code: 2, label: {da: "I nogen grad"', '{code: 1, label: {da: "I nogen grad"'
    )
    assert broken != VALID
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "scales[0](key 'grad').options", "duplicate option code 1")


def test_option_codes_out_of_order(tmp_path: Path):
    broken = VALID.replace(
        '{code: 3, label: {da: "I høj grad"', '{code: 4, label: {da: "I høj grad"'
    )
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "scales[0](key 'grad').options", "1, 2, 3")


def test_yes_no_scale_needs_two_options(tmp_path: Path):
    broken = VALID.replace(
        '      - {code: 2, label: {da: "Nej", en: "No"}}\n',
        '      - {code: 2, label: {da: "Nej", en: "No"}}\n'
        '      - {code: 3, label: {da: "Måske", en: "Maybe"}}\n',
    )
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "scales[1](key 'ja_nej').options", "exactly two")


@pytest.mark.parametrize("name", ["other.v1.yaml", "demo.v2.yaml", "demo.yaml", "demo-v1.yaml"])
def test_file_name_must_match_key_and_version(tmp_path: Path, name: str):
    messages = refusal(write(tmp_path, VALID, name=name))
    assert mentions(messages, "key/version", "demo.v1.yaml")


def test_text_without_danish(tmp_path: Path):
    broken = VALID.replace('      da: "Andet spørgsmål?"\n', "")
    assert broken != VALID
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "items[1](key 'andet').text.da")


def test_empty_danish_text(tmp_path: Path):
    broken = VALID.replace('da: "Ja", en: "Yes"', 'da: "", en: "Yes"')
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "scales[1](key 'ja_nej').options[0].label.da")


def test_missing_required_top_level_field(tmp_path: Path):
    broken = VALID.replace("audience: caseworker\n", "")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "audience", "required")


def test_invalid_audience_value(tmp_path: Path):
    broken = VALID.replace("audience: caseworker\n", "audience: everyone\n")
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "audience")


def test_questionnaire_without_items(tmp_path: Path):
    broken = VALID.split("items:\n")[0] + "items: []\n"
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "items", "at least one item")


def test_parse_questionnaire_names_the_given_source():
    with pytest.raises(QuestionnaireError) as excinfo:
        parse_questionnaire(VALID + "colour: blue\n", source="somewhere.yaml")
    assert all(m.startswith("somewhere.yaml") for m in excinfo.value.messages)


def test_load_directory_collects_errors_and_keeps_valid_files(tmp_path: Path):
    write(tmp_path, VALID)
    write(
        tmp_path,
        VALID.replace("key: demo\n", "key: broken\n") + "colour: blue\n",
        name="broken.v1.yaml",
    )
    found, messages = load_directory(tmp_path)
    assert [q.key for q in found] == ["demo"]
    assert mentions(messages, "broken.v1.yaml", "colour", "unknown field")


def test_load_directory_of_missing_directory(tmp_path: Path):
    found, messages = load_directory(tmp_path / "nowhere")
    assert found == [] and mentions(messages, "not a directory")


# --- fingerprints --------------------------------------------------------------------------------


def test_fingerprint_ignores_comments_layout_and_key_order():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID_REFORMATTED)
    assert a == b
    assert a.fingerprint() == b.fingerprint()


def test_fingerprint_is_stable_across_loads(tmp_path: Path):
    first = load_file(write(tmp_path, VALID)).fingerprint()
    second = load_file(write(tmp_path, "# another comment\n" + VALID + "\n\n")).fingerprint()
    assert first == second
    assert re.fullmatch(r"[0-9a-f]{64}", first)


def test_fingerprint_changes_with_a_label():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID.replace('da: "I høj grad"', 'da: "I meget høj grad"'))
    assert a.fingerprint() != b.fingerprint()


def test_fingerprint_changes_with_an_english_text():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID.replace('en: "First question?"', 'en: "The first question?"'))
    assert a.fingerprint() != b.fingerprint()


# --- compare_versions ----------------------------------------------------------------------------


def test_compare_identical_versions():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID_REFORMATTED.replace("version: 1", "version: 2"))
    result = compare_versions(a, b)
    assert result.identical == ["foerste", "andet"]
    assert result.changed == result.added == result.removed == []


def test_compare_changed_item_text():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID.replace('"Første spørgsmål?"', '"Det første spørgsmål?"'))
    result = compare_versions(a, b)
    assert result.changed == ["foerste"]
    assert result.identical == ["andet"]


def test_compare_changed_option_label_changes_every_item_on_the_scale():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID.replace('da: "Nej"', 'da: "Nej, ikke"'))
    result = compare_versions(a, b)
    assert result.changed == ["andet"]
    assert result.identical == ["foerste"]


def test_compare_renamed_scale_key_alone_is_identical():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(
        VALID.replace("key: ja_nej", "key: jn").replace("scale: ja_nej", "scale: jn")
    )
    assert compare_versions(a, b).identical == ["foerste", "andet"]


def test_compare_added_and_removed_items():
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID.replace("  - key: andet\n", "  - key: tredje\n"))
    result = compare_versions(a, b)
    assert result.identical == ["foerste"]
    assert result.added == ["tredje"]
    assert result.removed == ["andet"]
    assert result.changed == []


def test_non_substantive_key_other_than_ved_ikke_is_refused(tmp_path: Path):
    # The export knows only the missing codes ved_ikke and ubesvaret.
    broken = VALID.replace("key: ved_ikke", "key: ikke_relevant", 1)
    assert broken != VALID
    messages = refusal(write(tmp_path, broken))
    assert mentions(messages, "non_substantive.key")
