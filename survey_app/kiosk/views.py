"""Tablet pages. Staff start and resume sessions at /kiosk/; while a session runs, the
browser is locked to it until the caseworker's PIN is given."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlmodel import select

from ..access import roles_required, visible_municipalities
from ..answering.display import raw_open_values
from ..answering.responses import (
    FIELD_PREFIX,
    InvalidAnswer,
    UnacceptableAnswers,
    field_name,
    missing_required,
    parse_answers,
    visible_items,
)
from ..audit import record, record_staff_action
from ..auth.users import end_login_session
from ..db import get_session
from ..models import Citizen, KioskSession, Municipality, QuestionnaireVersion, Response
from ..params import int_param, path_values_checked, text_param
from ..registry import definition_of
from .citizens import CitizenError, find_visible_citizen, register_citizen, visible_citizens
from .languages import language_name, tablet_languages, text_direction, ui_language
from .progress import own_progress
from .routing import current_screen, next_screen, previous_screen, shown_positions
from .routing import progress as screen_progress
from .sessions import (
    START_ERRORS,
    KioskError,
    check_pin,
    choose_language,
    citizen_questionnaires,
    draft,
    is_idle,
    kiosk_definition,
    pause,
    save_answers,
    start_anonymous_session,
    start_session,
    submit,
    submit_anonymous,
)

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
KIOSK_ROLES = ("admin", "coordinator", "caseworker")
# The only pages a locked tablet may show.
KIOSK_MODE_ENDPOINTS = {
    "kiosk.answer",
    "kiosk.submit_answers",
    "kiosk.done",
    "kiosk.leave",
    "kiosk.language",
    "kiosk.ended",
    "kiosk.finish",
    "static",
    "pages.plotly_js",
}


@bp.app_context_processor
def _page_direction():
    """Tablet pages know how to show a language: its direction and the UI words' language."""
    return {"text_direction": text_direction, "ui_language": ui_language,
            "language_name": language_name}  # fmt: skip


def _all_languages(versions) -> list[tuple[str, str]]:
    """(code, own name) of every language any of the questionnaires exists in, Danish first."""
    codes: dict[str, str] = {}
    for version in versions:
        codes.update(tablet_languages(definition_of(version)))
    return list(codes.items())


def _audit(action: str, target: str, municipality: str | None = None) -> None:
    record_staff_action(get_session(), action, target, municipality)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.after_app_request
def _kiosk_pages_are_never_cached(response):
    if request.endpoint == "pages.plotly_js":  # a public script, the same for everyone
        return response
    if request.blueprint == "kiosk" or session.get("kiosk_id"):
        _no_store(response)
    return response


@bp.before_app_request
def _lock_to_the_session():
    """While a tablet session runs, nothing but its own pages can be reached."""
    kiosk_id = session.get("kiosk_id")
    if not kiosk_id or request.endpoint in KIOSK_MODE_ENDPOINTS:
        return None
    return render_template("kiosk/locked.html"), 403


def _current_kiosk() -> KioskSession:
    kiosk_id = session.get("kiosk_id")
    kiosk = get_session().get(KioskSession, kiosk_id) if kiosk_id else None
    if kiosk is None:
        abort(404)
    return kiosk


def _end_because_idle(kiosk: KioskSession):
    """Idle too long: keep the answers, sign the caseworker out, leave a neutral page."""
    db = get_session()
    pause(db, kiosk)
    if current_user.is_authenticated:
        end_login_session(db, current_user.session_key)
    record(db, "kiosk_idle_timeout", actor="kiosk", target=kiosk.id)
    db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("kiosk.ended"))


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["KIOSK_IDLE_MINUTES"])


# --- staff pages -------------------------------------------------------------------------


@bp.route("/")
@roles_required(*KIOSK_ROLES)
def index():
    """Pick or register a citizen and hand the tablet over."""
    db = get_session()
    search = text_param(request.args, "q", max_length=80)
    citizens = visible_citizens(db, current_user, search)
    _audit("view_citizen_list", request.full_path.rstrip("?"))
    db.commit()
    questionnaires = citizen_questionnaires(db)
    return render_template(
        "kiosk/index.html",
        citizens=citizens,
        search=search,
        municipalities=visible_municipalities(db, current_user),
        questionnaires=questionnaires,
        languages=_all_languages(v for v in questionnaires if v.anonymous),
        paused=_paused_anonymous(db),
        error=START_ERRORS.get(request.args.get("error", "")),
    )


def _paused_anonymous(db) -> list[KioskSession]:
    """The anonymous tablet sessions this user paused (answers not sent yet)."""
    return db.exec(
        select(KioskSession)
        .where(
            KioskSession.citizen_id.is_(None),
            KioskSession.caseworker_id == current_user.user.id,
            KioskSession.status == "paused",
        )
        .order_by(KioskSession.created_at.desc())
    ).all()


@bp.route("/citizens", methods=["POST"])
@roles_required(*KIOSK_ROLES)
def register():
    """Register a citizen by pseudonym in one of the user's municipalities."""
    db = get_session()
    name = request.form.get("municipality", "")
    places = {m.name: m for m in visible_municipalities(db, current_user)}
    if name not in places:
        abort(403)
    try:
        citizen = register_citizen(db, request.form.get("pseudonym", ""), places[name],
                                   current_user.user.id)  # fmt: skip
    except CitizenError as exc:
        db.rollback()
        return (
            render_template(
                "kiosk/index.html",
                citizens=visible_citizens(db, current_user),
                search="",
                municipalities=list(places.values()),
                questionnaires=citizen_questionnaires(db),
                languages=_all_languages(v for v in citizen_questionnaires(db) if v.anonymous),
                paused=_paused_anonymous(db),
                register_error=str(exc),
                pseudonym=request.form.get("pseudonym", ""),
            ),
            422,
        )
    _audit("register_citizen", citizen.pseudonym, name)
    db.commit()
    return redirect(url_for("kiosk.citizen_page", pseudonym=citizen.pseudonym))


def _citizen_or_404(pseudonym: str) -> Citizen:
    citizen = find_visible_citizen(get_session(), current_user, pseudonym)
    if citizen is None:
        abort(404)
    return citizen


@bp.route("/citizens/<pseudonym>")
@roles_required(*KIOSK_ROLES)
@path_values_checked
def citizen_page(pseudonym: str):
    """A citizen's occasions, paused sessions and the way to start a new one."""
    db = get_session()
    citizen = _citizen_or_404(pseudonym)
    responses = db.exec(
        select(Response, QuestionnaireVersion.title, QuestionnaireVersion.key)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(Response.respondent_key == citizen.pseudonym)
        .order_by(Response.submitted_at.desc())
    ).all()
    paused = db.exec(
        select(KioskSession)
        .where(KioskSession.citizen_id == citizen.id, KioskSession.status == "paused")
        .order_by(KioskSession.created_at.desc())
    ).all()
    municipality = db.get(Municipality, citizen.municipality_id)
    return render_template(
        "kiosk/citizen.html",
        citizen=citizen,
        municipality=municipality,
        responses=responses,
        paused=paused,
        questionnaires=citizen_questionnaires(db),
        languages=_all_languages(v for v in citizen_questionnaires(db) if not v.anonymous),
        error=START_ERRORS.get(request.args.get("error", "")),
    )


@bp.route("/citizens/<pseudonym>/progression/<questionnaire>")
@roles_required(*KIOSK_ROLES)
@path_values_checked
def citizen_progression(pseudonym: str, questionnaire: str):
    """The citizen's own progression, as shown on the tablet (a logged view of their answers)."""
    db = get_session()
    citizen = _citizen_or_404(pseudonym)
    progress = own_progress(db, citizen.pseudonym, questionnaire, "da")
    municipality = db.get(Municipality, citizen.municipality_id)
    _audit("view_citizen_answers", f"{citizen.pseudonym}/{questionnaire}", municipality.name)
    db.commit()
    return render_template(
        "kiosk/citizen_progression.html", citizen=citizen, progress=progress,
        questionnaire=questionnaire,
    )  # fmt: skip


@bp.route("/start", methods=["POST"])
@roles_required(*KIOSK_ROLES)
def start():
    """Start a tablet session for a citizen and lock this browser to it."""
    db = get_session()
    citizen = _citizen_or_404(text_param(request.form, "pseudonym", max_length=80))
    version = next(
        (v for v in citizen_questionnaires(db) if v.key == request.form.get("questionnaire")),
        None,
    )
    if version is None:
        abort(400)
    pin, repeat = request.form.get("pin", ""), request.form.get("pin_repeat", "")
    error = None if pin == repeat else "pin_mismatch"
    kiosk = None
    if error is None:
        try:
            kiosk = start_session(
                db, citizen, version, current_user.user.id, pin,
                language=request.form.get("language", "da"),
                one_per_screen=request.form.get("layout", "one") == "one",
            )  # fmt: skip
        except KioskError as exc:
            error = exc.code
    if kiosk is None:
        db.rollback()
        return redirect(url_for("kiosk.citizen_page", pseudonym=citizen.pseudonym, error=error))
    municipality = db.get(Municipality, citizen.municipality_id)
    _audit("kiosk_start", f"{citizen.pseudonym}/{version.key}", municipality.name)
    db.commit()
    session["kiosk_id"] = kiosk.id
    session["lang"] = ui_language(kiosk.language)
    return redirect(url_for("kiosk.answer"))


@bp.route("/anonymous/start", methods=["POST"])
@roles_required(*KIOSK_ROLES)
def start_anonymous():
    """Start an anonymous questionnaire on the tablet: no pseudonym, only a municipality.

    The caseworker is signed out as the tablet is handed over, and the start is not written to
    the audit log: a row with the caseworker and the time would, by its order, point at the
    response (see sessions.submit_anonymous). The tablet stays locked to the session; the PIN
    ends it.
    """
    db = get_session()
    version = next(
        (v for v in citizen_questionnaires(db)
         if v.anonymous and v.key == request.form.get("questionnaire")),
        None,
    )  # fmt: skip
    places = {m.name: m for m in visible_municipalities(db, current_user)}
    if version is None or request.form.get("municipality") not in places:
        abort(400)
    pin, repeat = request.form.get("pin", ""), request.form.get("pin_repeat", "")
    error, kiosk = (None if pin == repeat else "pin_mismatch"), None
    if error is None:
        try:
            kiosk = start_anonymous_session(
                db, places[request.form["municipality"]], version, current_user.user.id, pin,
                language=request.form.get("language", "da"),
                one_per_screen=request.form.get("layout", "one") == "one",
            )  # fmt: skip
        except KioskError as exc:
            error = exc.code
    if kiosk is None:
        db.rollback()
        return redirect(url_for("kiosk.index", error=error, _anchor="anonymous"))
    return _hand_over_anonymous(db, kiosk)


def _hand_over_anonymous(db, kiosk: KioskSession):
    """Sign the caseworker out and lock this browser to the anonymous session."""
    end_login_session(db, current_user.session_key)
    db.commit()
    logout_user()
    session.clear()
    session["kiosk_id"] = kiosk.id
    # Marks the session anonymous in the cookie, so a resend after the row is gone (its answers
    # stored) is recognised as such.
    session["kiosk_anonymous"] = kiosk.id
    session["lang"] = ui_language(kiosk.language)
    return redirect(url_for("kiosk.answer"))


@bp.route("/sessions/<kiosk_id>/resume", methods=["POST"])
@roles_required(*KIOSK_ROLES)
@path_values_checked
def resume(kiosk_id: str):
    """Resume a paused session of a citizen the user may see."""
    db = get_session()
    kiosk = db.get(KioskSession, kiosk_id)
    if kiosk is None or kiosk.status != "paused":
        abort(404)
    if kiosk.citizen_id is None:
        if kiosk.caseworker_id != current_user.user.id:
            abort(404)
        save_answers(db, kiosk, {}, kiosk.position)
        return _hand_over_anonymous(db, kiosk)
    citizen = db.get(Citizen, kiosk.citizen_id)
    if find_visible_citizen(db, current_user, citizen.pseudonym) is None:
        abort(404)
    save_answers(db, kiosk, {}, kiosk.position)
    _audit("kiosk_resume", citizen.pseudonym)
    db.commit()
    session["kiosk_id"] = kiosk.id
    session["lang"] = ui_language(kiosk.language)
    return redirect(url_for("kiosk.answer"))


# --- pages of a locked tablet ------------------------------------------------------------


def _form_answers(definition, on_screen, earlier):
    """The posted answers of the items on this screen, routed with the earlier answers;
    an answer to any other item, or a forged value, is refused (400). Text and numbers a
    citizen can correct raise UnacceptableAnswers."""
    keys = {field_name(item.key) for item in on_screen}
    if any(name.startswith(FIELD_PREFIX) and name not in keys for name in request.form):
        abort(400)
    try:
        return parse_answers(definition, request.form, earlier)
    except UnacceptableAnswers:
        raise
    except InvalidAnswer:
        abort(400)


def _screen_position(kiosk, definition, answers, position: int) -> int:
    """The item position a one-per-screen tablet shows (hidden items are skipped)."""
    screen = current_screen(definition, answers, position)
    if screen >= len(definition.items):  # past the end without the review: the last question
        shown = shown_positions(definition, answers)
        screen = shown[-1] if shown else 0
    return screen


def _items_on_screen(kiosk, definition, position: int):
    if not kiosk.one_per_screen:
        return list(definition.items)
    return [definition.items[min(position, len(definition.items) - 1)]]


def _posted_position(kiosk, definition) -> int:
    """The screen the citizen answered, as the form says: a resend of the same screen then
    moves on from that screen again instead of skipping the next question."""
    position = int_param(
        request.form, "position", minimum=0, maximum=len(definition.items), required=True
    )
    return position if kiosk.one_per_screen else 0


def _unanswered_on_screen(kiosk, definition, position: int, given) -> list[str]:
    """The required questions of the posted screen that have no answer yet."""
    on_screen = {item.key for item in _items_on_screen(kiosk, definition, position)}
    return [key for key in missing_required(definition, given) if key in on_screen]


def _moved_to(kiosk, definition, given, posted: int, move: str) -> int:
    """The screen after ``move`` from screen ``posted`` (hidden questions skipped)."""
    if not kiosk.one_per_screen or move not in ("next", "back"):
        return posted
    if move == "next":
        return next_screen(definition, given, posted)
    return previous_screen(definition, given, posted)


def _render_screen(kiosk, definition, given, errors=(), problems=None, raw=None, status=200):
    """The tablet screen at the session's position, or the review of the answers."""
    review = request.args.get("review") and (
        not kiosk.one_per_screen or kiosk.position >= len(definition.items)
    )
    position = kiosk.position
    if kiosk.one_per_screen and not review:
        position = _screen_position(kiosk, definition, given, kiosk.position)
    number, total = screen_progress(definition, given, position)
    shown = visible_items(definition, given)
    problems = problems or {}
    page = render_template(
        "kiosk/answer.html",
        kiosk=kiosk,
        q=definition,
        items=_items_on_screen(kiosk, definition, position),
        position=position,
        answers=given,
        raw=raw or {},
        shown=shown,
        unanswered=missing_required(definition, given) if review else [],
        errors=set(errors) | set(problems),
        problems=problems,
        review=bool(review),
        number=number,
        total=total,
        language=kiosk.language,
        languages=tablet_languages(definition),
    )
    return page, status


@bp.route("/answer", methods=["GET", "POST"])
def answer():
    """One question per screen (or all on one page): back, forward and pause keep answers;
    questions hidden by routing get no screen."""
    db = get_session()
    if _anonymous_already_sent():
        return _anonymous_sent()
    kiosk = _current_kiosk()
    if kiosk.status == "submitted":
        return redirect(url_for("kiosk.done"))
    if is_idle(kiosk, _idle_limit()):
        return _end_because_idle(kiosk)
    definition = kiosk_definition(db, kiosk)
    errors = request.args.getlist("missing")
    if request.method == "GET":
        return _render_screen(kiosk, definition, draft(kiosk), errors)
    if request.form.get("occasion") != kiosk.occasion_key:
        abort(400)
    posted = _posted_position(kiosk, definition)
    on_screen = _items_on_screen(kiosk, definition, posted)
    earlier = draft(kiosk)
    try:
        answers = _form_answers(definition, on_screen, earlier)
    except UnacceptableAnswers as exc:
        kiosk.position = posted
        raw = raw_open_values(on_screen, request.form)
        return _render_screen(kiosk, definition, {**earlier, **exc.answers},
                              problems=exc.problems, raw=raw, status=422)  # fmt: skip
    # An emptied text or number box takes its answer away (a radio button cannot be emptied).
    cleared = [item.key for item in on_screen if item.is_open and item.key not in answers]
    given = {k: v for k, v in earlier.items() if k not in cleared} | answers
    move = request.form.get("move", "next")
    unanswered = _unanswered_on_screen(kiosk, definition, posted, given)
    if move == "next" and unanswered:
        # Like the link pages: stay on the screen and say which answer is missing.
        save_answers(db, kiosk, answers, posted, cleared)
        db.commit()
        return redirect(url_for("kiosk.answer", missing=unanswered))
    save_answers(db, kiosk, answers, _moved_to(kiosk, definition, given, posted, move), cleared)
    db.commit()
    if move == "pause":
        return redirect(url_for("kiosk.leave", paused=1))
    if not kiosk.one_per_screen and move == "next" or kiosk.position >= len(definition.items):
        return redirect(url_for("kiosk.answer", review=1))
    return redirect(url_for("kiosk.answer"))


@bp.route("/submit", methods=["POST"])
def submit_answers():
    """Send the answers; a resend of the same occasion is accepted without a second response."""
    db = get_session()
    if _anonymous_already_sent():
        return _anonymous_sent()  # a resend after the answers were stored
    kiosk = _current_kiosk()
    if request.form.get("occasion") != kiosk.occasion_key:
        abort(400)
    definition = kiosk_definition(db, kiosk)
    if kiosk.status != "submitted":
        missing = missing_required(definition, draft(kiosk))
        if missing:
            first = next(i for i, item in enumerate(definition.items) if item.key == missing[0])
            save_answers(db, kiosk, {}, first if kiosk.one_per_screen else 0)
            db.commit()
            return redirect(url_for("kiosk.answer", missing=missing))
    if kiosk.citizen_id is None:
        submit_anonymous(db, kiosk.id, definition)
        db.commit()
        return _anonymous_sent()
    citizen = db.get(Citizen, kiosk.citizen_id)
    submit(db, kiosk, citizen, definition)
    db.commit()
    return redirect(url_for("kiosk.done"))


def _anonymous_already_sent() -> bool:
    """Whether this browser's anonymous session has already had its answers stored."""
    kiosk_id = session.get("kiosk_id")
    return (
        bool(kiosk_id)
        and session.get("kiosk_anonymous") == kiosk_id
        and (get_session().get(KioskSession, kiosk_id) is None)
    )


def _anonymous_sent():
    """After an anonymous send: the session is gone, the tablet shows only the thanks."""
    session.pop("kiosk_id", None)
    session.pop("kiosk_anonymous", None)
    session["kiosk_sent"] = session.get("lang", "da")
    return redirect(url_for("kiosk.done"))


@bp.route("/done")
def done():
    """The citizen's own progression, shown back after answering (an anonymous answer: thanks)."""
    if not session.get("kiosk_id") and session.get("kiosk_sent"):
        return render_template("kiosk/done_anonymous.html", language=session["kiosk_sent"])
    db = get_session()
    kiosk = _current_kiosk()
    if kiosk.status != "submitted":
        return redirect(url_for("kiosk.answer"))
    citizen = db.get(Citizen, kiosk.citizen_id)
    version = db.get(QuestionnaireVersion, kiosk.questionnaire_version_id)
    progress = own_progress(db, citizen.pseudonym, version.key, kiosk.language)
    record(
        db, "view_citizen_answers", actor=current_user.user.email if current_user.is_authenticated
        else "kiosk", target=f"{citizen.pseudonym}/{version.key} (tablet)",
    )  # fmt: skip
    db.commit()
    return render_template("kiosk/done.html", progress=progress, language=kiosk.language)


@bp.route("/language", methods=["POST"])
def language():
    """Switch the tablet to another language the questionnaire exists in."""
    db = get_session()
    kiosk = _current_kiosk()
    chosen = request.form.get("language", "")
    if choose_language(db, kiosk, chosen):
        db.commit()
        session["lang"] = ui_language(chosen)
    return redirect(url_for("kiosk.answer"))


@bp.route("/leave", methods=["GET", "POST"])
def leave():
    """The caseworker's PIN ends tablet mode (answers so far are kept)."""
    db = get_session()
    if _anonymous_already_sent():
        return _anonymous_sent()
    kiosk = _current_kiosk()
    error = None
    if request.method == "POST":
        if check_pin(db, kiosk, request.form.get("pin", "")):
            pause(db, kiosk)
            citizen = db.get(Citizen, kiosk.citizen_id) if kiosk.citizen_id else None
            record(db, "kiosk_leave", actor=_actor(), target=kiosk.id)
            db.commit()
            session.pop("kiosk_id", None)
            session["lang"] = "da"
            if citizen is None:  # anonymous: the caseworker signs in again to resume
                return redirect(url_for("kiosk.index"))
            return redirect(url_for("kiosk.citizen_page", pseudonym=citizen.pseudonym))
        db.commit()
        error = _("Forkert PIN-kode.")
        if kiosk.pin_failures >= 5:
            return _end_because_idle(kiosk)
    return render_template(
        "kiosk/leave.html", kiosk=kiosk, error=error, paused=request.args.get("paused"),
        language=kiosk.language,
    ), (401 if error else 200)  # fmt: skip


def _actor() -> str:
    return current_user.user.email if current_user.is_authenticated else "kiosk"


@bp.route("/finish", methods=["POST"])
def finish():
    """Leave the thanks page of an anonymous answer: the tablet is free for the next one."""
    session.pop("kiosk_sent", None)
    session["lang"] = "da"
    return redirect(url_for("kiosk.index"))


@bp.route("/ended")
def ended():
    """Shown when a tablet session has ended by itself; answers given so far are kept."""
    return render_template("kiosk/ended.html")
