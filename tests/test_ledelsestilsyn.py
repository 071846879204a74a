"""Ledelsestilsyn: management enters cases from a staff page; refusals change nothing; the
results page tallies each check per municipality and in total with Wilson intervals."""

from __future__ import annotations

import re

from analysis.effects import wilson_interval
from survey_app.models import Response
from tests.conftest import count_rows, csrf_token_from, signed_in_client

URL = "/trials/ledelsestilsyn/"
ITEMS = [
    "afgjort_uden_lae265",
    "egen_laege_inddraget",
    "tvivl_dokumentationsgrundlag",
    "lae265_forlaenget_sagsbehandling",
    "lae265_grundet_tvivl",
]


def form(page_text, municipality, answers):
    data = {
        "csrf_token": csrf_token_from(page_text),
        "municipality": municipality,
        "submission_key": re.search(r'name="submission_key" value="([0-9a-f]+)"', page_text).group(
            1
        ),
    }
    data.update({f"item-{k}": v for k, v in zip(ITEMS, answers, strict=True)})
    return data


def enter(client, municipality, answers):
    page = client.get(URL)
    return client.post(URL, data=form(page.text, municipality, answers))


def test_manager_enters_many_cases_in_a_row(app):
    client = signed_in_client(app, "manager", ["Thisted"])
    # Version 2 routes: checks 2-4 only after "Ja" to check 1, check 5 only after "Nej".
    for answers in (["1", "1", "2", "1", ""], ["2", "", "", "", "1"]):
        reply = enter(client, "Thisted", answers)
        assert reply.status_code == 302 and reply.headers["Location"].endswith(
            "municipality=Thisted"
        )
    page = client.get(URL + "?municipality=Thisted")
    assert "Sagen er gemt for Thisted" in page.text and "registreret 2 sager" in page.text
    assert count_rows(app, Response) == 2


def test_refusals_store_nothing(app):
    client = signed_in_client(app, "manager", ["Thisted"])
    missing = enter(client, "Thisted", ["2", "", "", "", ""])
    assert missing.status_code == 400 and "Der mangler svar" in missing.text
    foreign = enter(client, "Aalborg", ["1", "1", "2", "1", "2"])
    assert foreign.status_code == 400
    forged = enter(client, "Thisted", ["7", "1", "2", "1", "2"])
    assert forged.status_code == 400
    assert count_rows(app, Response) == 0
    page = client.get(URL)
    data = form(page.text, "Thisted", ["1", "1", "2", "1", "2"])
    assert client.post(URL, data=data).status_code == 302
    again = client.post(URL, data=data, follow_redirects=True)  # the same form sent twice
    assert "ikke gemt to gange" in again.text
    assert count_rows(app, Response) == 1


def test_caseworkers_and_evaluators_cannot_enter_cases(app):
    assert signed_in_client(app, "caseworker", ["Thisted"]).get(URL).status_code == 403
    assert signed_in_client(app, "evaluator").get(URL).status_code == 403


def test_results_page_tallies_each_check_with_wilson(app):
    client = signed_in_client(app, "coordinator", ["Aalborg"])
    # 5 ja, 2 nej on the first check; after "Nej" checks 2-4 are not relevant (routing).
    for i in range(7):
        answers = ["1", "1", "2", "2", ""] if i < 5 else ["2", "", "", "", "2"]
        assert enter(client, "Aalborg", answers).status_code == 302
    evaluator = signed_in_client(app, "evaluator")
    page = evaluator.get("/trials/revalidering/resultater/ledelsestilsyn/loebende").text
    section = page.split('id="item-afgjort_uden_lae265"')[1].split('id="item-egen_laege')[0]
    row = re.search(r'<th scope="row">Aalborg</th>(.*?)</tr>', section, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    low, high = wilson_interval(5, 7)
    assert cells[:3] == ["5", "2", "7"]
    assert f"71 % ({100 * low:.0f}–{100 * high:.0f} %)" in cells[-1]
    second = page.split('id="item-egen_laege_inddraget"')[1].split('id="item-tvivl')[0]
    assert "Ikke relevant" in second
    row = re.search(r'<th scope="row">Aalborg</th>(.*?)</tr>', second, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[:4] == ["5", "0", "5", "2"]


def test_results_page_refuses_unknown_trial_questionnaire_and_wave(app):
    client = signed_in_client(app, "evaluator")
    assert client.get("/trials/findes-ikke/").status_code == 404
    assert client.get("/trials/revalidering/resultater/mentor/jan-2019").status_code == 404
    assert client.get("/trials/revalidering/resultater/ledelsestilsyn/jan-2019").status_code == 404
    assert (
        client.get("/trials/ledighedsydelse/resultater/ledighedsydelse/jan-2099").status_code == 404
    )
    assert (
        client.get(
            "/trials/ledighedsydelse/resultater/ledighedsydelse/jan-2019+jan-2019"
        ).status_code
        == 404
    )


def test_without_javascript_the_checks_an_answer_opens_are_shown_before_saving(app):
    client = signed_in_client(app, "manager", ["Thisted"])
    page = client.get(URL)
    assert 'name="shown" value="afgjort_uden_lae265"' in page.text  # checks 2-5 start hidden
    data = form(page.text, "Thisted", ["1", "", "", "", ""])
    data["shown"] = "afgjort_uden_lae265"
    reply = client.post(URL, data=data)
    assert reply.status_code == 200 and "Svarene gør flere spørgsmål relevante" in reply.text
    assert 'name="shown" value="afgjort_uden_lae265,egen_laege_inddraget,' in reply.text
    assert count_rows(app, Response) == 0
