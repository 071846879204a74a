"""The progression page shows each domain's estimated alpha and says which value the reliable
change used: the estimate from 30 citizens, the planning value below."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np

from survey_app.answer_counts import store_answers
from survey_app.answering.responses import answer_rows
from survey_app.db import get_session
from survey_app.models import Response
from survey_app.registry import definition_of, find_municipality, find_version
from tests.analysis.test_reliability import hoyt_alpha
from tests.conftest import signed_in_client

HVERDAG = ("klarer_hverdagen", "styr_paa_aftaler", "ved_hvor_jeg_faar_hjaelp")
PAGE = "/dashboard/progression/en-plan"


def first_answers(c: int) -> dict:
    """Citizen c's first answers: the hverdag items close together, the rest all 3; every
    seventh citizen answers "Ved ikke" on one hverdag item."""
    base = 1 + c % 5
    answers = {"klarer_hverdagen": base, "styr_paa_aftaler": base,
               "ved_hvor_jeg_faar_hjaelp": min(5, base + (c % 3 == 0))}  # fmt: skip
    if c % 7 == 6:
        answers["styr_paa_aftaler"] = "ved_ikke"
    return answers


def add_citizens(app, count: int, municipality: str = "Furesø") -> list[list[int]]:
    """``count`` citizens answering en-plan twice; returns the complete hverdag rows of the
    first occasions (what alpha is computed from)."""
    complete = []
    with app.app_context():
        session = get_session()
        version = find_version(session, "en-plan", 1)
        definition = definition_of(version)
        place = find_municipality(session, municipality)
        start = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
        for c in range(count):
            first = {i.key: 3 for i in definition.items} | first_answers(c)
            if "ved_ikke" not in first.values():
                complete.append([first[k] for k in HVERDAG])
            for k, answers in enumerate((first, dict(first, klarer_hverdagen=3))):
                response = Response(
                    id=str(uuid.uuid4()), questionnaire_version_id=version.id,
                    municipality_id=place.id, respondent_key=f"{municipality}-{c}",
                    submitted_at=start + timedelta(days=90 * k, minutes=c),
                )  # fmt: skip
                session.add(response)
                session.flush()
                store_answers(session, response, answer_rows(definition, response.id, answers))
        session.commit()
    return complete


def reliability_row(html: str, domain: str) -> list[str]:
    table = html[html.index('id="reliability"') :]
    match = re.search(rf'<th scope="row">{domain}</th>(.*?)</tr>', table, re.S)
    assert match, f"no reliability row for {domain}"
    return [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                match.group(1), re.S)]  # fmt: skip


def test_thirty_complete_first_occasions_give_the_estimate_used(app):
    complete = add_citizens(app, 35)  # 5 of them said "Ved ikke": 30 complete
    assert len(complete) == 30
    expected = hoyt_alpha(complete)
    assert 0.5 < expected < 1 and not np.isnan(expected)
    page = signed_in_client(app, "evaluator").get(PAGE).text
    n, k, alpha, planning, used, why = reliability_row(page, "Min hverdag")
    assert (n, k, planning) == ("30", "3", "0,80")
    assert alpha.startswith(f"{expected:.2f}".replace(".", ",") + " (")
    assert used == f"{expected:.2f}".replace(".", ",")
    assert why == "Estimeret alfa bruges: 30 borgere med alle domænets spørgsmål besvaret"
    # Every other domain's items are all 3 on the first occasion: alpha undefined, planning used.
    n, _, alpha, _, used, why = reliability_row(page, "Tro på egne evner")
    assert (n, alpha, used) == ("35", "–", "0,80")
    assert why == (
        "Planlægningsværdien bruges: alfa kan ikke beregnes, da summen af svarene ikke varierer"
    )


def test_below_thirty_the_planning_value_is_used_and_alpha_not_shown(app):
    complete = add_citizens(app, 33)
    assert len(complete) == 29
    page = signed_in_client(app, "evaluator").get(PAGE).text
    n, _, alpha, planning, used, why = reliability_row(page, "Min hverdag")
    assert (n, alpha, planning, used) == ("29", "–", "0,80", "0,80")
    assert why == (
        "Planlægningsværdien fra spørgeskemaet bruges: kun 29 borgere med alle domænets "
        "spørgsmål besvaret (mindst 30 skal til)"
    )


def test_a_coordinator_sees_the_same_reliability_over_all_municipalities(app):
    """Alpha rests on all citizens (like the SD behind the reliable change); it is one figure
    over at least 30 citizens, so it reveals no municipality's answers."""
    add_citizens(app, 20, "Furesø")
    add_citizens(app, 15, "Ballerup")
    page = signed_in_client(app, "coordinator", ["Ballerup"]).get(PAGE).text
    assert reliability_row(page, "Min hverdag")[0] == "31"  # 18 + 13 complete
