"""The comparison index offers every pair of waves with items in common; empty scopes say so."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from survey_app.db import get_session
from survey_app.registry import load_questionnaires
from survey_app.waves import create_wave
from tests.conftest import QUESTIONNAIRES, csrf_token_from, invite, open_wave, signed_in_client

INDEX = "/dashboard/compare/"


def submit(app, token: str) -> None:
    """Answer a ledighedsydelse link through the form."""
    client = app.test_client()
    csrf = csrf_token_from(client.get(f"/s/{token}").text)
    data = {"item-forenklet_sagsbehandling": "3", "item-kvalitet_revurdering": "2"}
    reply = client.post(f"/s/{token}", data=dict(data, action="submit", csrf_token=csrf))
    assert reply.status_code == 303


def test_index_offers_any_pair_of_waves_not_only_neighbours(app):
    open_wave(app, key="test-open")  # ledighedsydelse now has three waves
    page = signed_in_client(app, "evaluator").get(INDEX).text
    for a, b in [("jan-2019", "sommer-2020"), ("jan-2019", "test-open"),
                 ("sommer-2020", "test-open")]:  # fmt: skip
        assert f"/dashboard/compare/ledighedsydelse/{a}/{b}" in page
    assert "/dashboard/compare/ledighedsydelse/sommer-2020/jan-2019" not in page  # older first


def test_index_leaves_out_pairs_without_an_item_in_common(app, tmp_path):
    text = (QUESTIONNAIRES / "revalidering.v1.yaml").read_text(encoding="utf-8")
    head, items = text.split("\nitems:\n")
    items = re.sub(r"^  - key: (\w+)", r"  - key: \1_ny", items, flags=re.M)
    # the next free version after the shipped ones
    new = 1 + max(
        int(p.name.split(".v")[1].split(".")[0])
        for p in QUESTIONNAIRES.glob("revalidering.v*.yaml")
    )
    v2 = head.replace("\nversion: 1\n", f"\nversion: {new}\n") + "\nitems:\n" + items
    (tmp_path / f"revalidering.v{new}.yaml").write_text(v2, encoding="utf-8")
    with app.app_context():
        session = get_session()
        assert load_questionnaires(session, tmp_path).added == [f"revalidering v{new}"]
        start = datetime(2020, 1, 1, tzinfo=UTC)
        create_wave(session, "revalidering", "ny", "Ny runde", start, start.replace(month=3))
        session.commit()
    page = signed_in_client(app, "evaluator").get(INDEX).text
    assert "/dashboard/compare/revalidering/" not in page
    assert "/dashboard/compare/mentor/jan-2019/forsoegsafslutning" in page


def test_a_municipality_without_answers_is_told_so(app):
    open_wave(app, key="runde-a")
    open_wave(app, key="runde-b")
    for wave in ("runde-a", "runde-b"):
        for token in invite(app, wave=wave, municipality="Aalborg", count=5):
            submit(app, token)
    compare = "/dashboard/compare/ledighedsydelse/runde-a/runde-b"
    furesoe = signed_in_client(app, "caseworker", ["Furesø"]).get(compare).text
    assert "Ingen svar fra din kommune" in furesoe
    assert "<table" not in furesoe and "plotly-figure" not in furesoe
    aalborg = signed_in_client(app, "coordinator", ["Aalborg"]).get(compare).text
    assert "Ingen svar fra din kommune" not in aalborg and "<table" in aalborg
