"""Pages for admins and evaluators: every questionnaire and version, a preview of any stored
version as respondents see it (link page and tablet) that stores nothing, and the upload of
an XLSForm or YAML file that is checked, previewed and only then published."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask import url_for as flask_url_for
from flask_babel import force_locale
from sqlmodel import select

from ..access import roles_required
from ..audit import record_staff_action
from ..db import get_session
from ..instruments.conditions import visible_item_keys
from ..instruments.publishing import PublishError, publish_version
from ..models import QuestionnaireVersion, Wave
from ..params import MAX_ID, int_param, path_values_checked
from ..questionnaire_schema import Questionnaire, QuestionnaireError, parse_questionnaire
from ..registry import definition_of, find_version, version_comparisons
from .preview import decode_answers, encode_answers, preview_answers, tablet_move
from .upload import check_upload

bp = Blueprint("authoring", __name__, url_prefix="/dashboard/questionnaires")
AUTHOR_ROLES = ("admin", "evaluator")
RESPONDENT_ENDPOINTS = (
    "answering.answer",
    "kiosk.answer",
    "kiosk.language",
    "kiosk.submit_answers",
)


class PreviewWave:
    """Stands in for the wave on a preview page."""

    title = "Forhåndsvisning"
    title_en = "Preview"

    def title_in(self, language: str) -> str:
        """The title in ``language``."""
        return self.title_en if language == "en" else self.title


def _url_for_posting_to(target: str):
    """url_for for the respondent templates: their forms post to ``target`` instead."""

    def url_for_preview(endpoint: str, **values):
        if endpoint in RESPONDENT_ENDPOINTS:
            return target
        return flask_url_for(endpoint, **values)

    return url_for_preview


def _listing(session) -> list[dict]:
    versions = list(
        session.exec(
            select(QuestionnaireVersion).order_by(
                QuestionnaireVersion.key, QuestionnaireVersion.version
            )
        )
    )
    waves: dict[int, list[Wave]] = {}
    for wave in session.exec(select(Wave).order_by(Wave.opens_at)):
        waves.setdefault(wave.questionnaire_version_id, []).append(wave)
    keys: dict[str, list[QuestionnaireVersion]] = {}
    for version in versions:
        keys.setdefault(version.key, []).append(version)
    return [
        {
            "key": key,
            "title": rows[-1].title,
            "versions": [(v, waves.get(v.id, []), len(definition_of(v).items)) for v in rows],
            "comparisons": version_comparisons(rows),
        }
        for key, rows in keys.items()
    ]


def _index(candidate=None, status=200):
    session = get_session()
    return (
        render_template(
            "questionnaires/index.html", listing=_listing(session), candidate=candidate
        ),
        status,
    )


@bp.route("")
@roles_required(*AUTHOR_ROLES)
def index():
    """Every questionnaire with its versions, waves and comparable items; the upload form."""
    return _index()


def _language(q: Questionnaire) -> str:
    wanted = request.values.get("lang", "da")
    return wanted if wanted in q.languages() else "da"


def _render_link(q: Questionnaire, target: str, bar: dict, answers=None, errors=(), notice=None):
    lang = _language(q)
    ctx = SimpleNamespace(definition=q, wave=PreviewWave())
    answers = answers or {}
    shown = visible_item_keys(q, answers)
    return _render_preview(
        "questionnaires/preview_link.html", lang, target, bar,
        ctx=ctx, q=q, answers=answers, errors=set(errors), notice=notice, lang=lang,
        **_routing_context(q, shown),
    )  # fmt: skip


def _routing_context(q: Questionnaire, shown: list[str]) -> dict:
    """What the respondent templates need for routing and open answers: the items shown and
    their numbers, what was typed into text and number boxes, and no corrections."""
    raw = {i.key: request.form.get("item-" + i.key, "") for i in q.items if i.is_open}
    return {
        "shown": shown,
        "numbers": {key: number for number, key in enumerate(shown, start=1)},
        "total": len(shown),
        "raw": raw,
        "problems": {},
        "new_items": set(),
        "routed": any(item.show_if for item in q.items),
    }


def _render_preview(template: str, locale: str, target: str, bar: dict, **context) -> str:
    """A respondent template in ``locale``, its forms posting to ``target``, with the bar."""
    with force_locale(locale):
        return render_template(
            template, preview=True, bar=bar, url_for=_url_for_posting_to(target), **context
        )


@bp.route("/<key>/<int:version>", methods=["GET", "POST"])
@roles_required(*AUTHOR_ROLES)
@path_values_checked
def preview(key: str, version: int):
    """A stored version as respondents see it (``?view=link`` or ``tablet``); nothing is stored."""
    stored = find_version(get_session(), key, version) if version <= MAX_ID else None
    if stored is None:
        abort(404)
    q = definition_of(stored)
    view = request.values.get("view", "link")
    target = url_for("authoring.preview", key=key, version=version, view=view, lang=_language(q))
    bar = {"key": key, "version": version, "view": view, "stored": stored, "lang": _language(q)}
    if view == "tablet":
        return _tablet(q, target, bar)
    if view != "link":
        abort(404)
    if request.method == "GET":
        return _render_link(q, target, bar)
    answers = preview_answers(q, request.form)
    visible = visible_item_keys(q, answers)
    missing = [i.key for i in q.items if i.required and i.key in visible and i.key not in answers]
    if request.form.get("action") == "submit" and not missing:
        notice = "Forhåndsvisning: svarene ville nu være sendt. Intet er gemt."
    else:
        notice = "Forhåndsvisning: intet er gemt."
    errors = missing if request.form.get("action") == "submit" else ()
    shown = {k: v for k, v in answers.items() if k in visible}
    return _render_link(q, target, bar, shown, errors, notice)


def _tablet(q: Questionnaire, target: str, bar: dict):
    answers = decode_answers(q, request.form.get("occasion"))
    position = int_param(request.form, "position", minimum=0, maximum=len(q.items), default=0)
    move = request.form.get("move", "stay")
    if request.method == "POST" and "move" not in request.form and "language" not in request.form:
        bar["message"] = "Forhåndsvisning: svarene ville nu være sendt. Intet er gemt."
        move = "stay"
    answers.update(preview_answers(q, request.form))
    screen = tablet_move(q, answers, position, move if move in ("next", "back") else "stay")
    answers = {k: v for k, v in answers.items() if k in screen.visible}
    kiosk = SimpleNamespace(
        occasion_key=encode_answers(answers), position=screen.position, one_per_screen=True
    )
    items = [] if screen.review else [q.items[screen.position]]
    lang = _language(q)
    if request.form.get("language") in q.languages():
        lang = bar["lang"] = request.form["language"]
    missing = [
        i.key for i in q.items if i.required and i.key in screen.visible and i.key not in answers
    ]
    return _render_preview(
        "questionnaires/preview_tablet.html", lang, target, bar,
        kiosk=kiosk, q=q, items=items, answers=answers, errors=set(), review=screen.review,
        unanswered=missing if screen.review else [], language=lang, position=screen.position,
        number=_screen_number(q, screen), **_routing_context(q, screen.visible),
    )  # fmt: skip


def _screen_number(q: Questionnaire, screen) -> int:
    """The question's number among the questions shown (1, 2, ...)."""
    if screen.review:
        return len(screen.visible)
    return screen.visible.index(q.items[screen.position].key) + 1


@bp.route("/upload", methods=["GET", "POST"])
@roles_required(*AUTHOR_ROLES)
def upload():
    """Check an uploaded XLSForm or YAML file and preview it; nothing is stored yet."""
    if request.method == "GET":  # e.g. the preview's language link: the upload is gone
        return _index()
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return _index({"errors": ["Vælg en fil (.xlsx eller .yaml)."]}, 422)
    version = int_param(request.form, "version", minimum=1, maximum=10_000, default=None)
    candidate = check_upload(
        get_session(),
        upload_file.filename,
        upload_file.read(),
        (request.form.get("key") or "").strip(),
        version,
    )
    if candidate.questionnaire is None:
        return _index(candidate, 422)
    q = candidate.questionnaire
    bar = {"candidate": candidate, "key": q.key, "version": q.version, "view": "link"}
    return _render_link(q, url_for("authoring.discard"), bar)


@bp.route("/discard", methods=["POST"])
@roles_required(*AUTHOR_ROLES)
def discard():
    """Where the answer forms of an uploaded file's preview post: nothing is stored."""
    return render_template("questionnaires/discarded.html")


@bp.route("/publish", methods=["POST"])
@roles_required(*AUTHOR_ROLES)
def publish():
    """Publish a checked upload as a new stored version (audited)."""
    session = get_session()
    try:
        q = parse_questionnaire(request.form.get("definition", ""), "upload")
        publish_version(session, q)
    except QuestionnaireError as exc:
        session.rollback()
        return _index({"errors": exc.messages}, 422)
    except PublishError as exc:
        session.rollback()
        return _index({"errors": [str(exc)]}, 422)
    record_staff_action(session, "publish_questionnaire", f"{q.key} v{q.version}")
    session.commit()
    return redirect(url_for("authoring.preview", key=q.key, version=q.version, published=1))
