"""The progression page reads change from Benjamini-Hochberg adjusted p, like the comparison."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from survey_app.answer_counts import store_answers
from survey_app.answering.responses import answer_rows
from survey_app.db import get_session
from survey_app.models import Response
from survey_app.registry import definition_of, find_municipality, find_version
from tests.conftest import signed_in_client

HVERDAG = ("klarer_hverdagen", "styr_paa_aftaler", "ved_hvor_jeg_faar_hjaelp")


def add_citizens(app, municipality: str, count: int) -> None:
    """``count`` citizens answering en-plan twice: 3 everywhere, then 4 on 'Min hverdag'."""
    with app.app_context():
        session = get_session()
        version = find_version(session, "en-plan", 1)
        definition = definition_of(version)
        place = find_municipality(session, municipality)
        start = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
        for c in range(count):
            for k in (0, 1):
                response = Response(
                    id=str(uuid.uuid4()),
                    questionnaire_version_id=version.id,
                    municipality_id=place.id,
                    respondent_key=f"{municipality.lower()}-{c}",
                    submitted_at=start + timedelta(days=90 * k, minutes=c),
                )
                answers = {i.key: 3 + k * (i.key in HVERDAG) for i in definition.items}
                session.add(response)
                session.flush()
                store_answers(session, response, answer_rows(definition, response.id, answers))
        session.commit()


def domain_row(html: str, group: str, domain: str) -> str:
    pattern = rf'<th scope="row">{group}</th>\s*<td>{domain}</td>(.*?)</tr>'
    match = re.search(pattern, html, re.S)
    assert match, f"no row for {group} / {domain}"
    return match.group(1)


def test_sikker_fremgang_rests_on_the_adjusted_p(app):
    # Every citizen +1 on the domain: exact Wilcoxon p = 2 / 2^n; the three other domains do
    # not change (p = 1). Adjusted over the group's four domains (R: p.adjust(..., "BH")):
    # Furesø, 6 citizens: p = 0.03125 -> 0.125, no reliable conclusion although p < 0.05;
    # Ballerup, 12 citizens: p = 0.00048828125 -> 0.001953125, a reliable improvement.
    add_citizens(app, "Furesø", 6)
    add_citizens(app, "Ballerup", 12)
    page = signed_in_client(app, "evaluator").get("/dashboard/progression/en-plan").text
    furesoe = domain_row(page, "Furesø", "Min hverdag")
    assert "Ingen sikker ændring" in furesoe and "Sikker fremgang" not in furesoe
    assert "0,031" in furesoe and "0,125" in furesoe
    ballerup = domain_row(page, "Ballerup", "Min hverdag")
    assert "Sikker fremgang" in ballerup
    assert "Ingen sikker ændring" in domain_row(page, "Ballerup", "Tro på egne evner")
    assert 'class="num">Justeret p</th>' in page
    assert "Benjamini-Hochberg inden for hver gruppe" in page


def test_comparison_page_names_the_same_rule(app):
    page = signed_in_client(app, "evaluator").get(
        "/dashboard/compare/ledighedsydelse/jan-2019/sommer-2020"
    )
    assert page.status_code == 200
    assert "Benjamini-Hochberg inden for hver gruppe" in page.text
