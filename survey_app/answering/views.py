"""Answering by personal link: GET /s/<token> shows the form, POST saves or submits it."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlmodel import Session
from werkzeug.exceptions import NotFound

from ..db import get_session
from ..errors import error_page
from ..extensions import csrf
from ..rate_limits import limit_unknown_links
from ..waves import WaveState, wave_state
from . import display
from .responses import (
    AlreadyUsed,
    AnsweringContext,
    InvalidAnswer,
    UnacceptableAnswers,
    draft_answers,
    find_context,
    is_used,
    missing_required,
    newly_shown,
    parse_answers,
    posted_shown_items,
    save_draft,
    submit_response,
    visible_items,
)

bp = Blueprint("answering", __name__)
for _helper in (display.answer_input_value, display.number_hint, display.show_if_json):
    bp.add_app_template_global(_helper)


def load_context(session: Session, token: str) -> AnsweringContext:
    """The invitation, wave, questionnaire version and seal behind a token; 404 if unknown."""
    looked_up, found = g.pop("link_lookup", (None, None))  # by the rate limit, this request
    found = found if looked_up == token else None
    ctx = find_context(session, token, current_app.config["SEAL_KEY"], found)
    if ctx is None:
        abort(404)
    return ctx


def render_form(
    ctx: AnsweringContext, answers, errors=(), notice=None, status=200, problems=None,
    raw=None, new_items=(),
):  # fmt: skip
    """The questionnaire form with the given answers filled in and errors beside their items.

    Every item is on the page; those the answers hide are ``hidden`` and disabled, so without
    JavaScript they are neither seen nor posted, and the live script can show them.
    """
    shown = visible_items(ctx.definition, answers)
    problems = problems or {}
    context = {
        "ctx": ctx,
        "q": ctx.definition,
        "answers": answers,
        "errors": set(errors) | set(problems),
        "problems": problems,
        "raw": raw or {},
        "notice": notice,
        "shown": shown,
        "numbers": display.question_numbers(shown),
        "new_items": set(new_items),
        "routed": any(item.show_if for item in ctx.definition.items),
    }
    if not (answers or context["errors"] or context["raw"] or notice or new_items):
        return _blank_form(ctx, context), status
    return render_template("answer.html", **context), status


def _blank_form(ctx: AnsweringContext, context: dict) -> str:
    """The form without answers, errors or notices: the same for every link to the version
    in a wave and language but for the CSRF token and the address, so rendered once."""
    wave = ctx.wave
    key = (ctx.version.fingerprint, str(get_locale() or "da"), wave.id, wave.title, wave.title_en)
    return display.blank_page(
        key,
        lambda csrf_slot, action_slot: render_template(
            "answer.html",
            **context,
            csrf_token=lambda: csrf_slot,
            url_for=functools.partial(_url_for_with_slot, action_slot),
        ),
        generate_csrf(),
        url_for("answering.answer", token=request.view_args["token"]),
    )


def _url_for_with_slot(action_slot: str, endpoint: str, **values) -> str:
    """``url_for``, but the slot for the link's own address (filled in per request)."""
    return action_slot if endpoint == "answering.answer" else url_for(endpoint, **values)


def _corrections(ctx: AnsweringContext, exc: UnacceptableAnswers):
    """The form again with the text and numbers that must be corrected (nothing is stored)."""
    raw = display.raw_open_values(ctx.definition.items, request.form)
    return render_form(ctx, exc.answers, problems=exc.problems, raw=raw, status=422)


def _received(ctx: AnsweringContext, status: int):
    return render_template("received.html", q=ctx.definition), status


def _refusal_for_wave(ctx: AnsweringContext):
    state = wave_state(ctx.wave)
    if state is WaveState.NOT_YET_OPEN:
        return render_template("wave_not_open.html", q=ctx.definition, wave=ctx.wave), 403
    if state is WaveState.CLOSED:
        return render_template("wave_closed.html", q=ctx.definition, wave=ctx.wave), 410
    return None


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, after the rate limit, so a guess with a stale form is counted
@limit_unknown_links
def answer(token: str):
    """Show, save part-way or submit the questionnaire behind a personal link."""
    if request.method == "POST":
        csrf.protect()
    session = get_session()
    ctx = load_context(session, token)
    if is_used(ctx):
        return _received(ctx, 200 if request.method == "GET" else 409)
    refusal = _refusal_for_wave(ctx)
    if refusal:
        return refusal
    if request.method == "GET":
        return render_form(ctx, draft_answers(ctx))

    action = request.form.get("action")
    if action not in ("save", "submit"):
        return error_page(400, _("Ukendt handling. Intet er gemt."))
    try:
        answers = parse_answers(ctx.definition, request.form)
    except UnacceptableAnswers as exc:
        return _corrections(ctx, exc)
    except InvalidAnswer as exc:
        return error_page(
            400, _("Et svar var ikke en af mulighederne (%(reason)s). Intet er gemt.", reason=exc)
        )
    try:
        if action == "save":
            save_draft(session, ctx, answers)
            session.commit()
            return render_form(
                ctx,
                answers,
                notice=_(
                    "Dine svar er gemt. Du kan lukke siden og fortsætte senere fra samme link."
                ),
            )
        shown_before = posted_shown_items(ctx.definition, request.form)
        new_items = newly_shown(ctx.definition, answers, shown_before)
        if new_items:
            # Without the live script the page did not show what these answers open up.
            return render_form(ctx, answers, new_items=new_items)
        missing = missing_required(ctx.definition, answers)
        if missing:
            return render_form(ctx, answers, errors=missing, status=422)
        submit_response(session, ctx, answers)
        session.commit()
    except AlreadyUsed:
        # Raised before anything is written (the used-mark's insert did nothing), so this
        # ends the transaction as a rollback would, keeping psycopg's prepared statements.
        session.commit()
        return _received(ctx, 409)
    return redirect(url_for("answering.answer", token=token), code=303)


def form_after_expired_session(token: str):
    """The form again with the posted answers kept, after the session or its token expired;
    the 404 page for an unknown link (an error handler cannot abort)."""
    session = get_session()
    try:
        ctx = load_context(session, token)
    except NotFound:
        return error_page(404)
    if is_used(ctx):
        return _received(ctx, 409)
    refusal = _refusal_for_wave(ctx)
    if refusal:
        return refusal
    try:
        answers = parse_answers(ctx.definition, request.form)
    except UnacceptableAnswers as exc:
        answers = exc.answers
    except InvalidAnswer:
        answers = draft_answers(ctx)
    return render_form(
        ctx,
        answers,
        notice=_(
            "Siden havde været åben længe, så dine svar er ikke gemt endnu. "
            "Svarene står her stadig: tryk på knappen igen."
        ),
        status=400,
    )
