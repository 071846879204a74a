"""Trial pages: overview, results per wave, ledelsestilsyn entry, narrative, report, indicators."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..access import DASHBOARD_ROLES, roles_required, visible_municipalities
from ..answering.display import question_numbers
from ..answering.responses import (
    InvalidAnswer,
    missing_required,
    newly_shown,
    parse_answers,
    posted_shown_items,
    visible_items,
)
from ..audit import record_staff_action
from ..db import get_session
from ..params import path_values_checked, text_param
from ..registry import definition_of
from . import narrative as narratives
from .gather import gather, instrument_results
from .indicators import IndicatorError, import_indicators, indicators_of
from .ledelsestilsyn import NO_WAVE, CaseAlreadyStored, cases_entered, checklist_version, store_case
from .report import REPORT_FORMATS, render_report
from .results import missing_label
from .trials import catalogue

bp = Blueprint("trials", __name__, url_prefix="/trials", template_folder="templates")

ENTRY_ROLES = ("admin", "coordinator", "manager")
EDIT_ROLES = ("admin", "evaluator")
REPORT_ROLES = ("admin", "evaluator", "coordinator")


@bp.app_context_processor
def _helpers():
    return {"missing_label": missing_label}


def _trial_or_404(key: str):
    trial = catalogue(current_app.config["QUESTIONNAIRE_DIR"]).get(key)
    if trial is None:
        abort(404)
    return trial


@bp.route("/")
@roles_required(*DASHBOARD_ROLES)
def index():
    """Every trial with its network and participants."""
    trials = catalogue(current_app.config["QUESTIONNAIRE_DIR"]).trials
    record_staff_action(get_session(), "view_trials")
    get_session().commit()
    return render_template("trials/index.html", trials=sorted(trials.values(), key=lambda t: t.key))


@bp.route("/<trial_key>/")
@roles_required(*DASHBOARD_ROLES)
@path_values_checked
def trial_page(trial_key: str):
    """One trial: participants, instruments, response rates, links to results and the report."""
    trial = _trial_or_404(trial_key)
    session = get_session()
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    data = gather(session, current_user, trial, threshold, with_figures=False)
    latest = narratives.current(session, trial.key)
    record_staff_action(session, "view_trial", trial.key)
    session.commit()
    return render_template(
        "trials/trial.html",
        trial=trial,
        data=data,
        narrative=latest,
        indicators=indicators_of(session, trial.key),
        formats=REPORT_FORMATS,
        can_edit=current_user.user.role in EDIT_ROLES,
        can_report=current_user.user.role in REPORT_ROLES,
    )


@bp.route("/<trial_key>/resultater/<questionnaire>/<waves>")
@roles_required(*DASHBOARD_ROLES)
@path_values_checked
def results(trial_key: str, questionnaire: str, waves: str):
    """Results of one instrument in one wave, or two waves joined by ``+`` compared."""
    trial = _trial_or_404(trial_key)
    instrument = trial.instrument(questionnaire)
    if instrument is None:
        abort(404)
    wanted = waves.split("+")
    if not instrument.waves and wanted != [NO_WAVE]:
        abort(404)
    if instrument.waves and (
        len(wanted) > 2 or len(set(wanted)) != len(wanted) or set(wanted) - set(instrument.waves)
    ):
        abort(404)
    session = get_session()
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    found = instrument_results(session, current_user, trial, instrument, threshold, wanted)
    if found is None:
        abort(404)
    shown = next((r for r in found.results if r.waves == wanted), found.results[0])
    if instrument.waves and shown.waves != wanted:
        abort(404)
    figures = {r.item.key: r.figure for r in shown.items}
    record_staff_action(session, "view_trial_results", f"{trial.key}/{questionnaire}/{waves}")
    session.commit()
    return render_template(
        "trials/results.html",
        trial=trial,
        found=found,
        shown=shown,
        figures=figures,
        threshold=threshold,
    )


@bp.route("/ledelsestilsyn/", methods=["GET", "POST"])
@roles_required(*ENTRY_ROLES)
def ledelsestilsyn_entry():
    """Management enters one reviewed case at a time, for their own municipality."""
    session = get_session()
    version = checklist_version(session)
    if version is None:
        abort(404)
    definition = definition_of(version)
    places = [m for m in visible_municipalities(session, current_user)]
    if current_user.sees_all_municipalities:
        places = [m for m in places if m.network == "Frikommunenetværket Nordjylland"]
    errors, answers, status, new_items = [], {}, 200, []
    if request.method == "POST":
        name = text_param(request.form, "municipality")
        place = next((m for m in places if m.name == name), None)
        key = text_param(request.form, "submission_key", max_length=64)
        try:
            answers = parse_answers(definition, request.form)
        except InvalidAnswer:
            abort(400)
        # Without the live script the page did not show what these answers open up.
        new_items = newly_shown(definition, answers, posted_shown_items(definition, request.form))
        # A check the page did not show cannot have been left unanswered yet.
        errors = [key for key in missing_required(definition, answers) if key not in new_items]
        if place is None:
            errors.append("municipality")
        if not errors and key and not new_items:
            try:
                store_case(session, version, place, answers, key)
                record_staff_action(session, "enter_ledelsestilsyn_case", "", place.name)
                session.commit()
                flash(f"Sagen er gemt for {place.name}. Udfyld næste sag nedenfor.")
            except CaseAlreadyStored:
                session.rollback()
                flash("Sagen var allerede gemt; den er ikke gemt to gange.")
            return redirect(url_for("trials.ledelsestilsyn_entry", municipality=place.name))
        status = 400 if errors else 200
    chosen = request.values.get("municipality") or (places[0].name if len(places) == 1 else "")
    count = cases_entered(session, [m.id for m in places]) if places else 0
    shown = visible_items(definition, answers)
    return render_template(
        "trials/ledelsestilsyn.html",
        q=definition,
        answers=answers,
        errors=errors,
        shown=shown,
        numbers=question_numbers(shown),
        new_items=set(new_items),
        routed=any(item.show_if for item in definition.items),
        places=places,
        chosen=chosen,
        submission_key=uuid.uuid4().hex,
        count=count,
    ), status


@bp.route("/<trial_key>/fortaelling", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
@path_values_checked
def narrative(trial_key: str):
    """Edit the narrative (sections 1-4) of the trial's report; every save is a new version."""
    trial = _trial_or_404(trial_key)
    session = get_session()
    error, status = None, 200
    latest = narratives.current(session, trial.key)
    text = latest.text if latest else narratives.template_text()
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            narratives.save(session, trial.key, text, current_user.user.email)
            record_staff_action(session, "edit_narrative", trial.key)
            session.commit()
            flash("Teksten er gemt som en ny version.")
            return redirect(url_for("trials.narrative", trial_key=trial.key))
        except narratives.NarrativeError as exc:
            session.rollback()
            error, status = str(exc), 400
    return render_template(
        "trials/narrative.html",
        trial=trial,
        text=text,
        error=error,
        history=narratives.history(session, trial.key),
    ), status


@bp.route("/<trial_key>/rapport.<fmt>")
@roles_required(*REPORT_ROLES)
@path_values_checked
def report(trial_key: str, fmt: str):
    """The report in seed 003's outline as docx, pdf or html, as this user may see it."""
    trial = _trial_or_404(trial_key)
    if fmt not in REPORT_FORMATS:
        abort(404)
    session = get_session()
    body, mimetype = render_report(session, current_user, [trial], fmt)
    record_staff_action(session, "download_report", f"{trial.key}.{fmt}")
    session.commit()
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="evaluering-{trial.key}.{fmt}"'},
    )


@bp.route("/<trial_key>/indikatorer", methods=["POST"])
@roles_required(*EDIT_ROLES)
@path_values_checked
def upload_indicators(trial_key: str):
    """Import registry indicators from an uploaded CSV: all rows, or none with the error named."""
    trial = _trial_or_404(trial_key)
    session = get_session()
    upload = request.files.get("file")
    if upload is None:
        abort(400)
    try:
        text = upload.read(1_000_000).decode("utf-8-sig")
        added = import_indicators(session, text, current_user.user.email, only_trial=trial.key)
    except (IndicatorError, UnicodeDecodeError) as exc:
        session.rollback()
        flash(f"Intet er importeret: {exc}")
        return redirect(url_for("trials.trial_page", trial_key=trial.key))
    record_staff_action(session, "import_indicators", f"{trial.key} x{added}")
    session.commit()
    flash(f"{added} indikatorer er importeret.")
    return redirect(url_for("trials.trial_page", trial_key=trial.key))
