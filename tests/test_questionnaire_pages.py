"""The questionnaire pages: the list, the preview of stored versions (link page and tablet)
that stores nothing, and upload-check-preview-publish of XLSForm and YAML files."""

from __future__ import annotations

import io
import re

import pytest
from sqlmodel import select

from survey_app.db import get_session
from survey_app.instruments.xlsform import export_xlsform
from survey_app.models import Answer, AuditEvent, QuestionnaireVersion
from survey_app.questionnaire_schema import load_file, questionnaire_files
from tests.conftest import QUESTIONNAIRES, count_rows, csrf_token_from, signed_in_client

SHIPPED = [load_file(p) for p in questionnaire_files(QUESTIONNAIRES)]
STORED_TABLES = (
    "Answer", "Response", "Invitation", "LinkDraft", "SpentLink", "KioskSession",
    "Citizen", "QuestionnaireVersion", "Wave",
)  # fmt: skip


def stored_counts(app) -> dict[str, int]:
    """Row counts of every table an answer, a draft, an invitation or a version lives in."""
    from survey_app import models

    return {
        name: count_rows(app, getattr(models, name))
        for name in STORED_TABLES
        if hasattr(models, name)
    }


@pytest.fixture
def author(app):
    return signed_in_client(app, "evaluator")


def test_only_admins_and_evaluators_see_the_pages(app):
    for role in ("coordinator", "caseworker"):
        client = signed_in_client(app, role, ["Aalborg"], email=f"{role}@example.dk")
        assert client.get("/dashboard/questionnaires").status_code == 403
        assert client.get("/dashboard/questionnaires/mentor/1").status_code == 403
    assert app.test_client().get("/dashboard/questionnaires").status_code in (302, 401)
    assert signed_in_client(app, "admin").get("/dashboard/questionnaires").status_code == 200


def test_list_shows_every_questionnaire_its_versions_and_waves(app, author):
    page = author.get("/dashboard/questionnaires").text
    for q in SHIPPED:
        assert f"({q.key})" in page
        assert f"/dashboard/questionnaires/{q.key}/{q.version}" in page
    assert "Januar 2019" in page or "2019" in page  # the historic waves


def test_list_shows_which_items_are_comparable_between_versions(app, author, tmp_path):
    from survey_app.registry import load_questionnaires

    source = (QUESTIONNAIRES / "ledighedsydelse.v1.yaml").read_text()
    new = source.replace("version: 1", "version: 2").replace(
        "forenklet sagsbehandlingen på området?", "gjort sagsbehandlingen enklere?"
    )
    (tmp_path / "ledighedsydelse.v2.yaml").write_text(new)
    with app.app_context():
        load_questionnaires(get_session(), tmp_path)
        get_session().commit()
    page = author.get("/dashboard/questionnaires").text
    assert "v1 → v2" in page
    section = page[page.index("v1 → v2") :]
    assert re.search(r"Ens \(kan sammenlignes\)</dt><dd>[^<]*kvalitet_revurdering", section)
    assert re.search(r"Ændret \(kan ikke sammenlignes\)</dt><dd>forenklet_sagsbehandling", section)


@pytest.mark.parametrize("q", SHIPPED, ids=[f"{q.key}.v{q.version}" for q in SHIPPED])
def test_every_stored_version_previews_on_link_page_and_tablet(app, author, q):
    link = author.get(f"/dashboard/questionnaires/{q.key}/{q.version}")
    assert link.status_code == 200
    assert "Forhåndsvisning" in link.text and q.items[0].text.da.split()[0] in link.text
    assert 'name="item-' in link.text
    tablet = author.get(f"/dashboard/questionnaires/{q.key}/{q.version}?view=tablet")
    assert tablet.status_code == 200
    assert 'name="move" value="next"' in tablet.text
    assert "kiosk.js" not in tablet.text


def test_posting_answers_in_the_preview_stores_nothing(app, author):
    before = stored_counts(app)
    events = count_rows(app, AuditEvent)
    url = "/dashboard/questionnaires/mentor/1"
    page = author.get(url)
    token = csrf_token_from(page.text)
    answered = author.post(
        url, data={"csrf_token": token, "item-brug_fleksibelt_tilbud": "1", "action": "submit"}
    )
    assert answered.status_code == 200
    assert "intet er gemt" in answered.text.lower()
    assert "Der mangler svar" in answered.text  # required questions still say so
    saved = author.post(url, data={"csrf_token": token, "action": "save"})
    assert saved.status_code == 200
    tablet = f"{url}?view=tablet"
    moved = author.post(
        tablet,
        data={"csrf_token": token, "occasion": "{}", "position": "0", "move": "next",
              "item-brug_fleksibelt_tilbud": "2"},
    )  # fmt: skip
    assert moved.status_code == 200 and "Spørgsmål 2 af" in moved.text
    assert stored_counts(app) == before
    assert count_rows(app, AuditEvent) == events
    assert count_rows(app, Answer) == before.get("Answer", 0)


def test_preview_posts_need_the_csrf_token(app, author):
    response = author.post("/dashboard/questionnaires/mentor/1", data={"action": "submit"})
    assert response.status_code == 400


def test_tablet_preview_walks_forward_and_back_to_the_review(app, author):
    q = load_file(QUESTIONNAIRES / "mentor.v1.yaml")
    url = "/dashboard/questionnaires/mentor/1?view=tablet"
    token = csrf_token_from(author.get(url).text)
    occasion, position = "{}", "0"
    for _ in q.items:
        item = q.items[int(position)]
        code = q.scale_for(item).options[0].code
        page = author.post(
            url,
            data={"csrf_token": token, "occasion": occasion, "position": position,
                  "move": "next", f"item-{item.key}": str(code)},
        ).text  # fmt: skip
        occasion = _hidden(page, "occasion")
        position = _hidden(page, "position")
    assert "Dine svar" in page  # the review screen
    back = author.post(
        url, data={"csrf_token": token, "occasion": occasion, "position": position, "move": "back"}
    ).text
    assert f"Spørgsmål {len(q.items)} af {len(q.items)}" in back


def _hidden(page: str, name: str) -> str:
    import html

    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return html.unescape(match.group(1))


def test_unknown_versions_are_not_found(app, author):
    assert author.get("/dashboard/questionnaires/mentor/99").status_code == 404
    assert author.get("/dashboard/questionnaires/findes-ikke/1").status_code == 404
    assert author.get("/dashboard/questionnaires/mentor/1?view=other").status_code == 404


# ------------------------------------------------------------------ upload


def _upload(client, filename: str, data: bytes, **fields):
    token = csrf_token_from(client.get("/dashboard/questionnaires").text)
    return client.post(
        "/dashboard/questionnaires/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def _as_new_version(key: str, version: int) -> bytes:
    q = load_file(QUESTIONNAIRES / f"{key}.v1.yaml")
    return export_xlsform(q.model_copy(update={"version": version}))


def test_upload_xlsform_is_checked_previewed_and_published_only_on_request(app, author):
    before = count_rows(app, QuestionnaireVersion)
    preview = _upload(author, "mentor.xlsx", _as_new_version("mentor", 1), key="mentor")
    assert preview.status_code == 200, preview.text[:2000]
    assert "Udgiv som mentor version 3" in preview.text  # v1 and v2 are shipped
    assert count_rows(app, QuestionnaireVersion) == before  # previewed, not stored
    definition = _hidden(preview.text, "definition")
    token = csrf_token_from(preview.text)
    published = author.post(
        "/dashboard/questionnaires/publish", data={"csrf_token": token, "definition": definition}
    )
    assert published.status_code == 302
    assert published.headers["Location"].startswith("/dashboard/questionnaires/mentor/3")
    assert count_rows(app, QuestionnaireVersion) == before + 1
    with app.app_context():
        event = (
            get_session()
            .exec(select(AuditEvent).where(AuditEvent.action == "publish_questionnaire"))
            .one()
        )
        assert event.target == "mentor v3"
    again = author.post(
        "/dashboard/questionnaires/publish", data={"csrf_token": token, "definition": definition}
    )
    assert again.status_code == 422 and "already stored" in again.text
    assert count_rows(app, QuestionnaireVersion) == before + 1


def test_upload_refuses_a_changed_stored_version_as_the_command_line_does(app, author):
    path = QUESTIONNAIRES / "ledighedsydelse.v1.yaml"
    changed = path.read_text().replace('"I høj grad"', '"I meget høj grad"')
    response = _upload(author, "ledighedsydelse.v1.yaml", changed.encode())
    assert response.status_code == 422
    assert "ledighedsydelse v1 is already stored with different content" in response.text
    assert "publish it as version 2" in response.text


def test_upload_errors_name_sheet_row_column_or_file_field(app, author):
    from tests.test_xlsform import form

    bad_form = form(["select_one janej or_other", "q2", "A", "B"])
    response = _upload(author, "form.xlsx", bad_form, key="proeve")
    assert response.status_code == 422
    assert "survey:3:type: or_other is not supported" in response.text
    bad_yaml = (QUESTIONNAIRES / "mentor.v1.yaml").read_text().replace("scale:", "skala:", 1)
    bad_yaml = bad_yaml.replace("version: 1", "version: 5")
    response = _upload(author, "mentor.v5.yaml", bad_yaml.encode())
    assert response.status_code == 422 and "skala: unknown field" in response.text
    for name, data, fields in (
        ("notes.txt", b"hello", {}),
        ("form.xlsx", bad_form, {}),  # no key
        ("empty.yaml", b"", {}),
        ("broken.xlsx", b"not a zip", {"key": "proeve"}),
    ):
        refused = _upload(author, name, data, **fields)
        assert refused.status_code == 422, name
        assert "Filen kan ikke udgives" in refused.text


def test_publishing_a_tampered_definition_is_checked_again(app, author):
    token = csrf_token_from(author.get("/dashboard/questionnaires").text)
    response = author.post(
        "/dashboard/questionnaires/publish",
        data={"csrf_token": token, "definition": "key: x\nversion: nope\n"},
    )
    assert response.status_code == 422 and "version" in response.text
    assert author.post("/dashboard/questionnaires/publish", data={}).status_code == 400


def test_the_uploaded_preview_posts_nowhere_that_stores(app, author):
    before = stored_counts(app)
    preview = _upload(author, "mentor.xlsx", _as_new_version("mentor", 1), key="mentor")
    assert 'action="/dashboard/questionnaires/discard"' in preview.text
    token = csrf_token_from(preview.text)
    response = author.post(
        "/dashboard/questionnaires/discard",
        data={"csrf_token": token, "item-brug_fleksibelt_tilbud": "1", "action": "submit"},
    )
    assert response.status_code == 200 and "ikke gemt" in response.text
    assert stored_counts(app) == before


def test_tablet_preview_skips_hidden_questions_and_back_returns_to_the_last_shown(app, author):
    from survey_app.instruments.publishing import publish_version
    from survey_app.instruments.xlsform import import_xlsform
    from tests.test_xlsform import form

    # Scale items only: the text and number inputs of the respondent templates are another
    # engineer's part of the issue (the preview renders whatever those templates render).
    data = form(
        ["select_one janej", "hvorfor", "Var det svært?", "Was it hard?", "no", "${q1} = 'no'"],
        ["select_one janej", "antal", "Hvor mange?", "How many?", "no", None],
    )
    q = import_xlsform(data, "routing-proeve", 1).questionnaire
    with app.app_context():
        publish_version(get_session(), q)
        get_session().commit()
    url = "/dashboard/questionnaires/routing-proeve/1?view=tablet"
    token = csrf_token_from(author.get(url).text)
    page = author.post(
        url, data={"csrf_token": token, "occasion": "{}", "position": "0", "move": "next",
                   "item-q1": "1"},
    ).text  # fmt: skip
    assert "Hvor mange?" in page and "Var det svært?" not in page  # "yes": the why is skipped
    back = author.post(
        url, data={"csrf_token": token, "occasion": _hidden(page, "occasion"),
                   "position": _hidden(page, "position"), "move": "back"},
    ).text  # fmt: skip
    assert re.search("Spørgsmål 1 af [23]", back)  # of 2 shown once routing counts them
    page = author.post(
        url, data={"csrf_token": token, "occasion": _hidden(back, "occasion"), "position": "0",
                   "move": "next", "item-q1": "2"},
    ).text  # fmt: skip
    assert "Var det svært?" in page
