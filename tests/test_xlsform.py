"""XLSForm import and export: round trips of the shipped questionnaires, hand-made forms with
each supported and each refused feature, and the two CLI commands."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from survey_app.instruments.conditions import parse_condition
from survey_app.instruments.xlsform import XLSFormError, export_xlsform, import_xlsform
from survey_app.questionnaire_schema import load_file, parse_questionnaire, questionnaire_files
from tests.conftest import QUESTIONNAIRES
from tests.test_cli import run

SHIPPED = questionnaire_files(QUESTIONNAIRES)
LABELS = ["label::Dansk (da)", "label::English (en)"]


def workbook(survey, choices=None, settings=None, extra_sheets=None) -> bytes:
    """An .xlsx built from lists of rows (the first row of each sheet is its header)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    for name, rows in (("choices", choices), ("settings", settings), *(extra_sheets or [])):
        if rows:
            target = book.create_sheet(name)
            for row in rows:
                target.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SETTINGS = [["form_title", "form_id", "version"], ["Prøve", "proeve", "1"]]
YES_NO = [
    ["list_name", "name", *LABELS],
    ["janej", "yes", "Ja", "Yes"],
    ["janej", "no", "Nej", "No"],
]


def form(*rows, header=None, choices=YES_NO, settings=SETTINGS) -> bytes:
    """A small form: a yes/no question ``q1`` followed by ``rows``."""
    header = header or ["type", "name", *LABELS, "required", "relevant", "constraint"]
    first = ["select_one janej", "q1", "Spørgsmål 1", "Question 1", "yes"]
    return workbook([header, first, *rows], choices, settings)


def refused(data: bytes) -> str:
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(data, "proeve", 1)
    return "\n".join(caught.value.messages)


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_questionnaire_round_trips_with_the_same_fingerprint(path):
    original = load_file(path)
    result = import_xlsform(export_xlsform(original), original.key, original.version)
    assert result.questionnaire.fingerprint() == original.fingerprint()
    assert parse_questionnaire(result.yaml_text).fingerprint() == original.fingerprint()
    assert result.warnings == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_exported_relevant_alone_translates_back_to_the_same_routing(path):
    """Without the survey_app::show_if column the relevant expressions still route the same
    items on the same questions (text may differ: ``x in (1, 2)`` comes back as an or)."""
    original = load_file(path)
    book = load_workbook(io.BytesIO(export_xlsform(original)))
    survey = book["survey"]
    header = [c.value for c in survey[1]]
    survey.delete_cols(header.index("survey_app::show_if") + 1)
    out = io.BytesIO()
    book.save(out)
    again = import_xlsform(out.getvalue(), original.key, original.version).questionnaire
    for before, after in zip(original.items, again.items, strict=True):
        assert (before.show_if is None) == (after.show_if is None), before.key
        if before.show_if:
            assert _items(before.show_if) == _items(after.show_if)


def _items(condition: str) -> set[str]:
    from survey_app.instruments.conditions import referenced_items

    return set(referenced_items(parse_condition(condition)))


def test_export_is_a_valid_xlsform_for_pyxform():
    from pyxform.xls2xform import convert

    data = export_xlsform(load_file(QUESTIONNAIRES / "mentor.v1.yaml"))
    assert "<h:title>" in convert(io.BytesIO(data), file_type=".xlsx").xform


# ------------------------------------------------------------------ supported features


def test_text_choice_names_get_codes_in_sheet_order_and_keep_their_names():
    q = import_xlsform(form(), "proeve", 1).questionnaire
    scale = q.scales[0]
    assert [(o.code, o.name, o.label.da, o.label.en) for o in scale.options] == [
        (1, "yes", "Ja", "Yes"),
        (2, "no", "Nej", "No"),
    ]
    assert q.items[0].scale == "janej" and q.items[0].required
    assert (q.title.da, q.audience, q.anonymous) == ("Prøve", "caseworker", True)


def test_numeric_choice_names_become_codes_without_names_and_ved_ikke_is_non_substantive():
    choices = [
        ["list_name", "name", *LABELS],
        ["grad", "1", "Lidt", "A little"],
        ["grad", "2", "Meget", "Much"],
        ["grad", "ved_ikke", "Ved ikke", "Don't know"],
    ]
    data = workbook(
        [["type", "name", *LABELS], ["select_one grad", "q1", "Hvor meget?", "How much?"]],
        choices,
        SETTINGS,
    )
    scale = import_xlsform(data, "proeve", 1).questionnaire.scales[0]
    assert [(o.code, o.name) for o in scale.options] == [(1, None), (2, None)]
    assert scale.non_substantive.label.da == "Ved ikke"


def test_old_spellings_select_one_from_list_name_and_single_colon_language():
    survey = [
        ["type", "name", "label:english", "required"],
        ["select one from janej", "q1", "Do you?", "yes"],
    ]
    choices = [
        ["list name", "name", "label:english"],
        ["janej", "yes", "Yes"],
        ["janej", "no", "No"],
    ]
    result = import_xlsform(workbook(survey, choices, SETTINGS), "proeve", 1)
    item = result.questionnaire.items[0]
    assert item.scale == "janej" and item.text.da == "Do you?" and item.text.en is None
    assert any("single label language" in w for w in result.warnings)


def test_plain_label_column_is_danish_with_a_warning_and_danish_columns_without():
    survey = [["type", "name", "label"], ["text", "fritekst", "Skriv her"]]
    result = import_xlsform(workbook(survey, None, SETTINGS), "proeve", 1)
    assert result.questionnaire.items[0].text.da == "Skriv her"
    assert any("single label language" in w for w in result.warnings)
    danish = [["type", "name", "label::Dansk (da)"], ["text", "fritekst", "Skriv her"]]
    assert import_xlsform(workbook(danish, None, SETTINGS), "proeve", 1).warnings == []


def test_numbers_with_ranges_text_multiline_and_max_length():
    header = ["type", "name", *LABELS, "constraint", "appearance", "survey_app::unit::Dansk (da)"]
    data = workbook(
        [
            header,
            ["integer", "uger", "Antal uger", "Weeks", ". >= 0 and . <= 52", None, "uger"],
            ["decimal", "timer", "Timer", "Hours", ". >= 0.5", None, None],
            ["text", "hvordan", "Hvordan?", "How?", "string-length(.) <= 500", "multiline", None],
        ],
        None,
        SETTINGS,
    )
    items = import_xlsform(data, "proeve", 1).questionnaire.items
    weeks, hours, how = items
    assert weeks.type == "number" and weeks.number.kind == "integer"
    assert (weeks.number.min, weeks.number.max) == (Decimal(0), Decimal(52))
    assert weeks.number.unit.da == "uger"
    assert hours.number.kind == "decimal" and hours.number.min == Decimal("0.5")
    assert how.type == "text" and how.multiline and how.max_length == 500
    assert not any(i.required for i in items)  # XLSForm's default: not required


@pytest.mark.parametrize(
    ("relevant", "show_if"),
    [
        ("${q1} = 'yes'", "q1 == 1"),
        ("selected(${q1}, 'no')", "q1 == 2"),
        ("${q1} != 'no'", "q1 != 2"),
        ("not(selected(${q1}, 'no'))", "not q1 == 2"),
        ("${q1} != ''", "answered(q1)"),
        ("${q1} = ''", "unanswered(q1)"),
        ("string-length(${q2}) > 0", "answered(q2)"),
        ("${n} >= 3 and ${n} < 10", "n >= 3 and n < 10"),
        ("${q1} = 'yes' or (${n} >= 3 and ${n} != 5)", "q1 == 1 or (n >= 3 and n != 5)"),
        ("not(${q1} = 'yes' or ${n} = 2)", "not (q1 == 1 or n == 2)"),
    ],
)
def test_relevant_is_translated_into_show_if(relevant, show_if):
    data = form(
        ["text", "q2", "Hvad?", "What?", "no"],
        ["integer", "n", "Antal", "Number", "no"],
        ["text", "last", "Sidst", "Last", "no", relevant],
    )
    q = import_xlsform(data, "proeve", 1).questionnaire
    assert q.items[-1].show_if == show_if
    assert parse_condition(show_if)


def test_group_relevant_is_added_to_each_question_in_the_group():
    data = form(
        ["begin group", "g", "Gruppe", "Group", None, "${q1} = 'yes'"],
        ["integer", "n", "Antal", "Number", "no", None],
        ["text", "t", "Tekst", "Text", "no", "${n} >= 2"],
        ["end group", None, None, None, None, None],
        ["text", "after", "Efter", "After", "no", None],
    )
    items = import_xlsform(data, "proeve", 1).questionnaire.items
    assert [i.show_if for i in items] == [None, "q1 == 1", "(q1 == 1) and (n >= 2)", None]


def test_note_before_the_first_question_is_the_intro_and_settings_extras():
    settings = [
        ["form_title", "form_id", "audience", "anonymous", "survey_app::title::English (en)"],
        ["Borgerskema", "borger", "citizen", "no", "Citizen form"],
    ]
    survey = [
        ["type", "name", *LABELS, "label::Arabic (ar)"],
        ["note", "intro", "Velkommen", "Welcome", "أهلا"],
        ["select_one janej", "q1", "Ja?", "Yes?", "نعم؟"],
    ]
    choices = [
        ["list_name", "name", *LABELS, "label::Arabic (ar)"],
        ["janej", "yes", "Ja", "Yes", "نعم"],
        ["janej", "no", "Nej", "No", "لا"],
    ]
    q = import_xlsform(workbook(survey, choices, settings), "borger", 1).questionnaire
    assert q.intro.da == "Velkommen" and q.title.en == "Citizen form"
    assert (q.audience, q.anonymous) == ("citizen", False)
    assert q.items[0].text.get("ar") == "نعم؟" and q.scales[0].options[0].label.get("ar") == "نعم"


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["select_one janej or_other", "q2", "A", "B"]],
            "survey:3:type: or_other is not supported",
        ),
        ([["select_multiple janej", "q2", "A", "B"]], "survey:3:type: 'select_multiple janej'"),
        ([["date", "d", "Dato", "Date"]], "survey:3:type: 'date' is not supported"),
        (
            [["begin repeat", "r", "R", "R"], ["text", "t", "A", "B"], ["end repeat"]],
            "survey:3:type: 'begin repeat' is not supported",
        ),
        ([["rank janej", "r", "R", "R"]], "survey:3:type: 'rank janej' is not supported"),
        (
            [["select_one_from_file a.csv", "f", "F", "F"]],
            "survey:3:type: 'select_one_from_file a.csv' is not supported",
        ),
        ([["select_one janej", "q2", "A", "B", "${q1} = 1"]], "survey:3:required:"),
        (
            [["text", "t", "A", "B", "no", "${later} != ''"], ["text", "later", "L", "L"]],
            "is not an earlier question",
        ),
        ([["text", "t", "A", "B", "no", "${q1} >= 'no'"]], "needs numeric choice names"),
        ([["text", "t", "A", "B", "no", ". = 1"]], "survey:3:relevant:"),
        ([["calculate", "c", None, None, None, None, None, "1+1"]], "[row : 3]"),
        ([["text", "t", "A", "B", "no", "${q1} + 1 > 2"]], "survey:3:relevant:"),
        ([["text", "t", "A", "B", "no", "${zz} = 1"]], "Could not find the name 'zz'"),
        ([["text", "t", "A", "B", "no", "${q1} = 'maybe'"]], "'maybe' is not a choice"),
        ([["integer", "n", "A", "B", "no", None, ". > 3"]], "survey:3:constraint:"),
        ([["integer", "n", "A", "B", "no", None, "regex(., '[0-9]')"]], "survey:3:constraint:"),
        ([["note", "n", "Bemærk", "Note"]], "survey:3:type: a note between questions"),
        ([["text", "Stort_Navn", "A", "B"]], "survey:3:name:"),
        ([["text", "t", "A", "B", "maybe"]], "survey:3:required:"),
    ],
)
def test_unsupported_features_are_refused_naming_sheet_row_column(rows, expected):
    assert expected in refused(form(*rows))


def test_unknown_columns_and_languages_without_code_are_refused():
    header = ["type", "name", *LABELS, "choice_filter", "label::Klingon"]
    data = workbook(
        [header, ["select_one janej", "q1", "A", "B", "x = 1", "qapla"]], YES_NO, SETTINGS
    )
    messages = refused(data)
    assert "survey:2:choice_filter: not supported" in messages
    assert "language 'Klingon' has no code" in messages


def test_pyxform_errors_and_broken_files_are_refused_with_a_message():
    missing_list = workbook(
        [["type", "name", "label"], ["select_one nope", "q", "Q"]], None, SETTINGS
    )
    assert "XLSForm:" in refused(missing_list)
    assert "XLSForm:" in refused(b"this is not a spreadsheet")
    assert "settings:2:form_title" in refused(
        workbook([["type", "name", "label"], ["text", "t", "T"]], None, None)
    )


def test_a_key_that_is_not_a_questionnaire_key_is_refused():
    with pytest.raises(XLSFormError, match="--key"):
        import_xlsform(form(), "Not A Key", 1)


# ------------------------------------------------------------------ CLI


def test_import_xlsform_cli_writes_the_next_free_version_and_never_overwrites(app, tmp_path):
    source = tmp_path / "form.xlsx"
    source.write_bytes(form(["integer", "n", "Antal", "Number", "no", None, ". >= 0"]))
    out = tmp_path / "out"
    out.mkdir()
    (out / "proeve.v1.yaml").write_text("# an older version\n")
    first = run(app, "import-xlsform", str(source), "--key", "proeve", "--output", str(out))
    assert first.exit_code == 0, first.output
    assert first.output.strip() == str(out / "proeve.v2.yaml")
    assert load_file(out / "proeve.v2.yaml").items[1].number.min == 0
    again = run(app, "import-xlsform", str(source), "--key", "proeve", "--version", "2",
                "--output", str(out))  # fmt: skip
    assert again.exit_code == 1 and "already exists" in again.output
    assert "Traceback" not in again.output
    check = run(app, "check-questionnaires", str(out / "proeve.v2.yaml").rsplit("/", 1)[0])
    assert "ok  proeve v2" in check.output


def test_import_xlsform_cli_refuses_bad_files_without_a_traceback(app, tmp_path):
    source = tmp_path / "form.xlsx"
    source.write_bytes(form(["select_one janej or_other", "q2", "A", "B"]))
    result = run(app, "import-xlsform", str(source), "--key", "proeve", "--output", str(tmp_path))
    assert result.exit_code == 1
    assert "survey:3:type: or_other is not supported" in result.output
    assert list(tmp_path.glob("*.yaml")) == []
    missing = run(app, "import-xlsform", str(tmp_path / "nope.xlsx"), "--key", "proeve")
    assert missing.exit_code == 1 and "cannot be read" in missing.output
    for outcome in (result, missing):
        assert outcome.exception is None or isinstance(outcome.exception, SystemExit)


def test_export_xlsform_cli_round_trips_through_import(app, tmp_path):
    target = tmp_path / "mentor.xlsx"
    result = run(app, "export-xlsform", "mentor", "--version", "1", "--output", str(target))
    assert result.exit_code == 0, result.output
    out = tmp_path / "q"
    out.mkdir()
    back = run(app, "import-xlsform", str(target), "--key", "mentor", "--version", "1",
               "--output", str(out))  # fmt: skip
    assert back.exit_code == 0, back.output
    original = load_file(QUESTIONNAIRES / "mentor.v1.yaml")
    assert load_file(out / "mentor.v1.yaml").fingerprint() == original.fingerprint()
    unknown = run(app, "export-xlsform", "findes-ikke", "--output", str(target))
    assert unknown.exit_code == 1 and "no questionnaire 'findes-ikke'" in unknown.output


CELL = st.one_of(
    st.none(),
    st.sampled_from(["yes", "no", "${q1} = 'yes'", ". >= 1", "select_one janej", "text", "1", "x"]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(CELL, min_size=7, max_size=7))
def test_any_cells_import_or_are_refused_never_a_traceback(cells):
    data = form(cells)
    try:
        result = import_xlsform(data, "proeve", 1)
    except XLSFormError as exc:
        assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)
    else:
        assert parse_questionnaire(result.yaml_text).fingerprint() == (
            result.questionnaire.fingerprint()
        )


def test_text_choice_names_are_kept_in_the_codebook():
    from survey_app.exports.codebook import CODEBOOK_COLUMNS, codebook_rows

    q = import_xlsform(form(), "proeve", 1).questionnaire
    rows = [dict(zip(CODEBOOK_COLUMNS, r, strict=True)) for r in codebook_rows(q)]
    coded = {r["code"]: r["choice_name"] for r in rows if r["variable"] == "q1"}
    assert coded == {"1": "yes", "2": "no", "99": ""}


def test_stored_show_if_is_kept_while_relevant_is_unchanged_and_an_edited_relevant_wins():
    header = ["type", "name", *LABELS, "required", "relevant", "survey_app::show_if"]
    kept = form(["text", "t", "A", "B", "no", "${q1} = 'yes'", "q1 in (1)"], header=header)
    assert import_xlsform(kept, "proeve", 1).questionnaire.items[1].show_if == "q1 in (1)"
    edited = form(["text", "t", "A", "B", "no", "${q1} = 'no'", "q1 in (1)"], header=header)
    assert import_xlsform(edited, "proeve", 1).questionnaire.items[1].show_if == "q1 == 2"
