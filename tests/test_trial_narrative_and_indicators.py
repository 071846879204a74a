"""The report narrative (versioned, refusals change nothing) and registry indicators (whole
CSV or nothing, the bad line and column named)."""

from __future__ import annotations

from survey_app.cli import main
from survey_app.models import RegistryIndicator, TrialNarrative
from survey_app.trials.narrative import PLACEHOLDER, sections
from tests.conftest import count_rows, csrf_token_from, signed_in_client

URL = "/trials/revalidering/fortaelling"
HEADER = "trial,municipality,indicator,period,value,source\n"


def test_narrative_saves_versions_with_author_and_refuses_unknown_headings(app):
    client = signed_in_client(app, "evaluator")
    page = client.get(URL)
    assert "# Indledning" in page.text
    token = csrf_token_from(page.text)
    for text in (
        "# Indledning\n\nFørste udkast.",
        "# Indledning\n\nAndet udkast.\n\n# Resumé\n\nKort.",
    ):
        assert client.post(URL, data={"text": text, "csrf_token": token}).status_code == 302
    refused = client.post(URL, data={"text": "# Konklusion\n\nx", "csrf_token": token})
    assert refused.status_code == 400 and "Konklusion" in refused.text
    assert count_rows(app, TrialNarrative) == 2
    history = client.get(URL).text
    assert "Version 2: evaluator-alle@example.dk" in history and "Andet udkast" in history


def test_empty_sections_are_placeholders_in_the_report(app, tmp_path):
    found = sections("# Indledning\n\nTekst.\n\n# Resumé\n")
    assert (
        found["Indledning"] == "Tekst."
        and found["Resumé"] == ""
        and found["Hovedkonklusioner"] == ""
    )
    out = tmp_path / "r.html"
    result = app.test_cli_runner().invoke(
        main, ["report", "--trial", "mentor", "--format", "html", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count(PLACEHOLDER) == 4


def test_coordinators_cannot_edit_the_narrative(app):
    assert signed_in_client(app, "coordinator", ["Aalborg"]).get(URL).status_code == 403


def test_indicators_import_whole_file_and_appear_in_the_report(app, tmp_path):
    path = tmp_path / "ind.csv"
    path.write_text(
        HEADER + "ledighedsydelse,Aalborg,Gns. længde (uger),2018-07,41.5,jobindsats.dk\n"
        'ledighedsydelse,Thisted,Gns. længde (uger),2018-07,"38,0",jobindsats.dk\n',
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(main, ["import-indicators", str(path)])
    assert result.exit_code == 0 and "imported 2" in result.output
    out = tmp_path / "r.html"
    app.test_cli_runner().invoke(
        main, ["report", "--trial", "ledighedsydelse", "--format", "html", "--output", str(out)]
    )
    page = out.read_text(encoding="utf-8")
    assert (
        "Registerindikatorer" in page
        and "jobindsats.dk" in page
        and "41,5" in page
        and "38" in page
    )


def test_a_bad_row_is_named_and_nothing_is_imported(app, tmp_path):
    path = tmp_path / "ind.csv"
    good = "ledighedsydelse,Aalborg,Gns. længde,2018-07,41.5,jobindsats.dk\n"
    for bad, message in [
        (
            "ledighedsydelse,Aalborg,Gns. længde,2020-07,mange,jobindsats.dk\n",
            "linje 3, kolonne value",
        ),
        (
            "ledighedsydelse,Gotham,Gns. længde,2020-07,1,jobindsats.dk\n",
            "linje 3, kolonne municipality",
        ),
        ("findes-ikke,Aalborg,Gns. længde,2020-07,1,jobindsats.dk\n", "linje 3, kolonne trial"),
        ("ledighedsydelse,Aalborg,Gns. længde,2020-07,1,\n", "linje 3, kolonne source"),
        ("ledighedsydelse,Aalborg,=HYPERLINK(),2020-07,1,x\n", "linje 3, kolonne indicator"),
        (good, "linje 3: samme"),
    ]:
        path.write_text(HEADER + good + bad, encoding="utf-8")
        result = app.test_cli_runner().invoke(main, ["import-indicators", str(path)])
        assert result.exit_code != 0 and message in result.output, (bad, result.output)
    path.write_text("trial,kommune\n", encoding="utf-8")
    assert "linje 1" in app.test_cli_runner().invoke(main, ["import-indicators", str(path)]).output
    assert count_rows(app, RegistryIndicator) == 0


def test_indicator_upload_on_the_trial_page(app):
    client = signed_in_client(app, "evaluator")
    token = csrf_token_from(client.get("/trials/ledighedsydelse/").text)
    import io

    bad = HEADER + "revalidering,Aalborg,x,2018,1,kilde\n"  # another trial than the page's
    reply = client.post(
        "/trials/ledighedsydelse/indikatorer",
        follow_redirects=True,
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "i.csv")},
    )
    assert "Intet er importeret" in reply.text and "kolonne trial" in reply.text
    good = HEADER + "ledighedsydelse,Aalborg,Antal i fleksjob,2020-07,12,fagsystem\n"
    reply = client.post(
        "/trials/ledighedsydelse/indikatorer",
        follow_redirects=True,
        data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "i.csv")},
    )
    assert "1 indikatorer er importeret" in reply.text and "Antal i fleksjob" in reply.text
    assert count_rows(app, RegistryIndicator) == 1
