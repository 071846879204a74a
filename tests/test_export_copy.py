"""The long CSV written by PostgreSQL's COPY is byte for byte the portable writer's output,
hostile labels, keys and names included; elsewhere the portable path is used."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select, update

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.demo import create_demo_data
from survey_app.export import SPREADSHEET_TRIGGERS, ExportFilter, csv_chunks, export_rows
from survey_app.export_copy import copied_csv, long_csv
from survey_app.models import Municipality, QuestionnaireVersion, Response, Wave

HOSTILE = [*(t + "x" for t in SPREADSHEET_TRIGGERS), 'say "hi", then', "two\nlines", "", "'q",
           "\r\nx", "a\rb"]  # fmt: skip
FILTERS = [
    ExportFilter(),
    ExportFilter(questionnaire="ledighedsydelse"),
    ExportFilter(questionnaire="ledighedsydelse", wave="=jan", municipality="Furesø"),
    ExportFilter(include_demo=False),
    ExportFilter(questionnaire="en-plan", version=1),
    ExportFilter(municipality_ids=frozenset({1, 2, 3})),
]


def portable(session, filters, for_excel=False) -> bytes:
    return "".join(csv_chunks(export_rows(session, filters), for_excel=for_excel)).encode()


def hostile_data(app, hostile=HOSTILE):
    """Demo data with formula-like and quoting-hostile labels, pseudonyms, waves and names."""
    with app.app_context():
        session = get_session()
        create_demo_data(session, 7, "http://x", "test-secret-seal")
        for version in session.scalars(select(QuestionnaireVersion)).all():
            definition = json.loads(version.definition)
            for n, scale in enumerate(definition["scales"]):
                for m, option in enumerate(scale["options"]):
                    option["label"]["da"] = hostile[(n + m) % len(hostile)] + option["label"]["da"]
                if scale.get("non_substantive"):
                    scale["non_substantive"]["label"]["da"] = "=ved ikke"
            version.definition = json.dumps(definition)
        keys = session.scalars(select(Response.respondent_key).distinct()).all()
        for n, key in enumerate(k for k in keys if k):
            new = hostile[n % len(hostile)] + key
            session.execute(
                update(Response).where(Response.respondent_key == key).values(respondent_key=new)
            )
        session.execute(update(Wave).where(Wave.key == "jan-2019").values(key="=jan"))
        session.execute(update(Municipality).where(Municipality.id == 2).values(name='-Fx,"y"'))
        session.commit()


@pytest.mark.parametrize("for_excel", [False, True])
def test_copy_gives_the_portable_bytes(app, for_excel):
    with app.app_context():
        if get_session().get_bind().dialect.name != "postgresql":
            pytest.skip("COPY is PostgreSQL's; SQLite keeps the portable path")
    hostile_data(app)
    with app.app_context():
        session = get_session()
        for filters in FILTERS:
            expected = portable(session, filters, for_excel)
            copied = b"".join(copied_csv(session, filters, for_excel=for_excel))
            assert copied == expected, filters
        everything = portable(session, ExportFilter(), for_excel)
        assert everything.count(b"\n") > 1000 and b"'=ved ikke" in everything


def test_the_export_command_and_the_route_write_the_portable_bytes(app, tmp_path):
    hostile_data(app)
    output = tmp_path / "out.csv"
    result = app.test_cli_runner().invoke(main, ["export", "--output", str(output)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        expected = portable(session, ExportFilter())
        assert (
            b"".join(
                c if isinstance(c, bytes) else c.encode() for c in long_csv(session, ExportFilter())
            )
            == expected
        )
    assert output.read_bytes() == expected
    assert b"\n'=jan," in expected.replace(b",'=jan,", b"\n'=jan,") or b"'=jan" in expected


def test_a_lone_carriage_return_is_quoted_and_reads_back(app):
    hostile_data(app, ["\rx", "=x", "a\rb"])
    with app.app_context():
        text = portable(get_session(), ExportFilter()).decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert any(cell.startswith("a\rb") for row in rows for cell in row)
    assert any(cell.startswith("'\rx") for row in rows for cell in row)
    assert {len(row) for row in rows} == {11}


def open_answers(app) -> None:
    """Turn en-plan v1's first two items into a text and a number item (in the stored
    definition) and give their answers hostile texts, numbers and a stored non-number."""
    from survey_app.models import Answer

    texts = [*HOSTILE, "=cmd|' /C calc'!A0", "  leading space", "\\.", "ok"]
    numbers = ["-5", "2.5", "0", "12", "=1+1", "-0.75"]
    with app.app_context():
        session = get_session()
        version = session.scalars(
            select(QuestionnaireVersion).where(QuestionnaireVersion.key == "en-plan")
        ).one()
        definition = json.loads(version.definition)
        first, second = definition["items"][0], definition["items"][1]
        for item, kind in ((first, "text"), (second, "number")):
            item.update(type=kind, scale=None, domain=None)
        version.definition = json.dumps(definition)
        for key, cells in ((first["key"], texts), (second["key"], numbers)):
            rows = session.scalars(
                select(Answer)
                .join(Response, Response.id == Answer.response_id)
                .where(Response.questionnaire_version_id == version.id, Answer.item_key == key)
            ).all()
            for n, row in enumerate(rows):
                row.value, row.missing, row.text_value = None, None, cells[n % len(cells)]
        session.commit()


@pytest.mark.parametrize("include_identifying", [True, False])
def test_copy_gives_the_portable_bytes_for_open_answers(app, include_identifying):
    with app.app_context():
        if get_session().get_bind().dialect.name != "postgresql":
            pytest.skip("COPY is PostgreSQL's; SQLite keeps the portable path")
    hostile_data(app)
    open_answers(app)
    filters = ExportFilter(questionnaire="en-plan", include_identifying=include_identifying)
    with app.app_context():
        session = get_session()
        for for_excel in (False, True):
            expected = portable(session, filters, for_excel)
            assert b"".join(copied_csv(session, filters, for_excel=for_excel)) == expected
    assert (b"'=cmd" in expected) is include_identifying  # text items are identifying by default
    assert b",-5,," in expected or b";-5;;" in expected
    assert b",'=1+1,," in expected or b";'=1+1;;" in expected
