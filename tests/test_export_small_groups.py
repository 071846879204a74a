"""Row-level anonymous answers of tiny groups: a coordinator's export of an anonymous
questionnaire is refused (403, logged) when a municipality in it has fewer respondents than the
suppression threshold; evaluators and admins, bound by a data agreement, keep full access."""

from __future__ import annotations

import pytest

from tests.conftest import signed_in_client
from tests.test_exports_views import FORMATS, Q, audit_events, demo, fetch  # noqa: F401

ANSWER_FORMATS = [f for f in FORMATS if f != "codebook.csv"]
LAESOE = "L%C3%A6s%C3%B8"  # Læsø: 2 caseworkers in each wave of the demo data


@pytest.mark.parametrize("fmt", ANSWER_FORMATS)
def test_coordinator_export_of_a_tiny_municipality_is_refused_and_logged(demo, fmt):  # noqa: F811
    client = signed_in_client(demo, "coordinator", ["Læsø"])
    reply = fetch(client, f"/export/{Q}.{fmt}?municipality={LAESOE}&wave=jan-2019")
    assert reply.status_code == 403
    assert "Content-Disposition" not in reply.headers
    assert "Eksporten er afvist, fordi Læsø har færre end 5 besvarelser" in reply.text
    [event] = audit_events(demo, "export")
    assert (event.outcome, event.municipality) == ("denied_small_group", "Læsø")


@pytest.mark.parametrize("fmt", ANSWER_FORMATS)
def test_coordinator_of_a_tiny_and_a_large_municipality(demo, fmt):  # noqa: F811
    client = signed_in_client(demo, "coordinator", ["Aalborg", "Læsø"])
    refused = fetch(client, f"/export/{Q}.{fmt}")
    assert refused.status_code == 403 and "fordi Læsø har færre end 5" in refused.text
    allowed = fetch(client, f"/export/{Q}.{fmt}?municipality=Aalborg")
    assert allowed.status_code == 200
    outcomes = [(e.outcome, e.municipality) for e in audit_events(demo, "export")]
    assert outcomes == [("denied_small_group", "Læsø"), ("ok", "Aalborg")]


def test_the_threshold_is_the_configured_one(demo):  # noqa: F811
    demo.config["SUPPRESSION_THRESHOLD"] = 2
    client = signed_in_client(demo, "coordinator", ["Læsø"])
    assert fetch(client, f"/export/{Q}.csv?municipality={LAESOE}&wave=jan-2019").status_code == 200


def test_coordinator_still_gets_the_codebook(demo):  # noqa: F811
    client = signed_in_client(demo, "coordinator", ["Læsø"])
    assert fetch(client, f"/export/{Q}.codebook.csv?municipality={LAESOE}").status_code == 200


@pytest.mark.parametrize("role", ["evaluator", "admin"])
@pytest.mark.parametrize("fmt", ANSWER_FORMATS)
def test_evaluators_and_admins_keep_full_access(demo, role, fmt):  # noqa: F811
    client = signed_in_client(demo, role)
    reply = fetch(client, f"/export/{Q}.{fmt}?municipality={LAESOE}&wave=jan-2019")
    assert reply.status_code == 200
    assert [e.outcome for e in audit_events(demo, "export")] == ["ok"]
