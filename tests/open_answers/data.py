"""A questionnaire with open items, loaded beside the shipped ones, and answers written as rows.

The answering side is written elsewhere, so these tests store ``Answer`` rows directly, as the
answering code will: an option code, a text (``text_value``) or a missing code per item.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from survey_app.answer_counts import store_answers
from survey_app.db import get_session
from survey_app.models import Answer, Response
from survey_app.registry import definition_of, find_municipality, find_version, load_questionnaires
from survey_app.waves import create_wave, find_wave

HERE = Path(__file__).parent
KEY = "aabne"
FORMULA = '=HYPERLINK("http://x.example","klik")'
_ORDER = itertools.count()  # responses are answered one minute apart, in the order written


def load(app, waves=("r1", "r2")) -> None:
    """Store the test questionnaire and give it closed waves in 2020 and 2021."""
    with app.app_context():
        session = get_session()
        report = load_questionnaires(session, HERE)
        assert report.ok, report.refused
        for n, wave in enumerate(waves):
            start = datetime(2020 + n, 3, 1, tzinfo=UTC)
            create_wave(session, KEY, wave, f"Runde {wave}", start, start + timedelta(days=30))
        session.commit()


def add_response(app, wave: str, municipality: str, answers: dict, respondent_key=None) -> str:
    """Store one response; ``answers`` maps item keys to an int (option code), a str (the
    answer to an open item) or ``("missing", code)``. Returns the response id."""
    with app.app_context():
        session = get_session()
        found = find_wave(session, KEY, wave)
        version = find_version(session, KEY)
        definition = definition_of(version)
        response_id = str(uuid.uuid4())
        response = Response(
            id=response_id,
            questionnaire_version_id=version.id,
            wave_id=found.id,
            municipality_id=find_municipality(session, municipality).id,
            respondent_key=respondent_key,
            submitted_at=found.opens_at + timedelta(days=1, minutes=next(_ORDER)),
        )
        session.add(response)
        session.flush()
        positions = {item.key: n for n, item in enumerate(definition.items)}
        rows = []
        for key, given in answers.items():
            row = Answer(response_id=response_id, item_key=key, position=positions[key])
            if isinstance(given, tuple):
                row.missing = given[1]
            elif isinstance(given, int):
                row.value = given
            else:
                row.text_value = given
            rows.append(row)
        store_answers(session, response, rows)  # as every submission does: counted too
        session.commit()
        return response_id


def answered(brugt: int, text: str | None = "Fint forløb", sagstyper="Sygedagpenge",
             varighed: str | None = "2.5") -> dict:  # fmt: skip
    """One response's answers: ``tilfreds`` is not relevant unless ``brugt`` is 1 (Ja)."""
    return {
        "brugt": brugt,
        "tilfreds": 3 if brugt == 1 else ("missing", "ikke_relevant"),
        "hvordan": text if text is not None else ("missing", "ubesvaret"),
        "sagstyper": sagstyper,
        "varighed": varighed if varighed is not None else ("missing", "ubesvaret"),
    }
