"""The e-mail fieldwork page of a wave (lists, mailings, rates) and the public opt-out page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import EXPORT_ROLES, INVITE_ROLES, may_invite, roles_required
from ..audit import record_staff_action
from ..db import get_session
from ..downloads import csv_download
from ..errors import error_page
from ..export import csv_chunks
from ..extensions import csrf
from ..invitations import find_invitation
from ..models import Municipality, Participant, utcnow
from ..params import path_values_checked, text_param
from ..rate_limits import limit_unknown_links
from ..registry import find_municipality
from ..waves import find_wave
from .participants import ParticipantError, add_participants, parse_participants, participants_of
from .queue import QueueUnavailable, enqueue_mailing
from .rates import RATE_HEADER, response_rates
from .reminders import parse_reminder_days, queue_reminders, reminder_days, set_reminder_days
from .sending import STATUS_NAMES, check_can_send, mailing_summaries, queue_invitations
from .transport import MailConfigurationError

bp = Blueprint("mail", __name__)
MAIL_VIEW_ROLES = EXPORT_ROLES  # admin, evaluator, coordinator
MAX_UPLOAD = 1024 * 1024


def _wave_or_404(questionnaire: str, wave_key: str):
    wave = find_wave(get_session(), questionnaire, wave_key)
    if wave is None:
        abort(404)
    return wave


def _visible_ids() -> list[int] | None:
    """The municipalities whose rows the user may see (None: all)."""
    if current_user.sees_all_municipalities:
        return None
    return sorted(current_user.municipality_ids)


def _managed_places(session) -> list[Municipality]:
    """The municipalities whose lists the user may manage (admin: all; coordinator: own)."""
    if current_user.user.role not in INVITE_ROLES:
        return []
    places = session.execute(select(Municipality).order_by(Municipality.name)).scalars()
    return [m for m in places if may_invite(current_user, m.id)]


def _place_from_form(session, allow_all: bool) -> Municipality | None:
    """The municipality in the form, checked against the user's rights (None: all, admin only)."""
    name = text_param(request.form, "municipality")
    if not name and allow_all and current_user.user.role == "admin":
        return None
    place = find_municipality(session, name) if name else None
    if place is None:
        abort(400)
    if not may_invite(current_user, place.id):
        abort(403)
    return place


@bp.route("/dashboard/mail/<questionnaire>/<wave_key>")
@roles_required(*MAIL_VIEW_ROLES)
@path_values_checked
def page(questionnaire: str, wave_key: str):
    """A wave's e-mail fieldwork: rates, participant lists, mailings and the forms to act."""
    return _render_page(questionnaire, wave_key)


def _render_page(questionnaire: str, wave_key: str, problems: tuple[str, ...] = (), status=200):
    session = get_session()
    wave = _wave_or_404(questionnaire, wave_key)
    managed = _managed_places(session)
    managed_ids = [m.id for m in managed]
    # Addresses are personal data: only admins and the municipality's coordinators see them.
    people = participants_of(session, wave.id, managed_ids) if managed_ids else []
    record_staff_action(session, "view_mail_fieldwork", f"{questionnaire}/{wave_key}")
    session.commit()
    html = render_template(
        "mail/page.html",
        questionnaire=questionnaire,
        wave=wave,
        rates=response_rates(session, wave.id, _visible_ids()),
        mailings=mailing_summaries(session, wave.id, _visible_ids()),
        people=people,
        managed=managed,
        status_names=STATUS_NAMES,
        schedule=", ".join(str(d) for d in reminder_days(session, wave.id)),
        problems=problems,
    )
    return html, status


def _back(questionnaire: str, wave_key: str, anchor: str = ""):
    target = url_for("mail.page", questionnaire=questionnaire, wave_key=wave_key)
    return redirect(target + (f"#{anchor}" if anchor else ""), 303)


@bp.route("/dashboard/mail/<questionnaire>/<wave_key>/participants", methods=["POST"])
@roles_required(*INVITE_ROLES)
@path_values_checked
def upload(questionnaire: str, wave_key: str):
    """Add a CSV of addresses to the wave's list in one municipality; all or nothing."""
    session = get_session()
    wave = _wave_or_404(questionnaire, wave_key)
    place = _place_from_form(session, allow_all=False)
    sent_file = request.files.get("file")
    data = sent_file.read(MAX_UPLOAD + 1) if sent_file else b""
    try:
        if len(data) > MAX_UPLOAD:
            raise ParticipantError(["Filen er større end 1 MB."])
        rows = parse_participants(data)
        added = add_participants(session, wave, place, rows, current_app.config["MAIL_LINK_KEY"])
    except ParticipantError as exc:
        session.rollback()
        return _page_with_problems(questionnaire, wave_key, exc.problems)
    record_staff_action(
        session, "add_participants", f"{questionnaire}/{wave_key} x{len(added)}", place.name
    )
    session.commit()
    flash(f"{len(added)} deltagere er tilføjet i {place.name}.")
    return _back(questionnaire, wave_key, "deltagere")


def _page_with_problems(questionnaire: str, wave_key: str, problems: list[str]):
    """The page again, with the refusal's reasons listed (status 400)."""
    shown = problems[:50] + ([f"… og {len(problems) - 50} flere"] if len(problems) > 50 else [])
    return _render_page(questionnaire, wave_key, tuple(shown), 400)


def _queue(questionnaire: str, wave_key: str, kind: str):
    session = get_session()
    wave = _wave_or_404(questionnaire, wave_key)
    place = _place_from_form(session, allow_all=True)
    place_id = place.id if place else None
    actor = current_user.user.email
    try:
        check_can_send(current_app.config)
        if kind == "invitation":
            mailing = queue_invitations(session, wave, place_id, actor)
        else:
            config = current_app.config
            mailing = queue_reminders(
                session, wave, place_id, actor, config["SEAL_KEY"], config["MAIL_REMINDER_GAP_DAYS"]
            )
    except MailConfigurationError as exc:
        return error_page(503, f"E-mails kan ikke sendes: {exc}")
    if mailing is None:
        flash("Der er ingen at sende til lige nu.")
        return _back(questionnaire, wave_key, "udsendelser")
    action = "queue_invitations" if kind == "invitation" else "queue_reminders"
    record_staff_action(
        session,
        action,
        f"{questionnaire}/{wave_key} x{mailing.recipients}",
        place.name if place else None,
    )
    session.commit()
    try:
        how = enqueue_mailing(current_app, mailing.id)
    except QueueUnavailable:
        flash("Udsendelsen er gemt, men køen kan ikke nås; den sendes, når arbejderen starter.")
        return _back(questionnaire, wave_key, "udsendelser")
    done = "er sendt" if how == "sent" else "er sat i kø"
    what = "Invitationer" if kind == "invitation" else "Påmindelser"
    flash(f"{what} til {mailing.recipients} {done}.")
    return _back(questionnaire, wave_key, "udsendelser")


@bp.route("/dashboard/mail/<questionnaire>/<wave_key>/send", methods=["POST"])
@roles_required(*INVITE_ROLES)
@path_values_checked
def send_invitations(questionnaire: str, wave_key: str):
    """Queue the invitation mailing to participants not invited yet."""
    return _queue(questionnaire, wave_key, "invitation")


@bp.route("/dashboard/mail/<questionnaire>/<wave_key>/remind", methods=["POST"])
@roles_required(*INVITE_ROLES)
@path_values_checked
def remind(questionnaire: str, wave_key: str):
    """Queue a reminder to participants who have not answered."""
    return _queue(questionnaire, wave_key, "reminder")


@bp.route("/dashboard/mail/<questionnaire>/<wave_key>/schedule", methods=["POST"])
@roles_required("admin")
@path_values_checked
def schedule(questionnaire: str, wave_key: str):
    """Set the days after the invitation on which reminders go out by themselves."""
    session = get_session()
    wave = _wave_or_404(questionnaire, wave_key)
    try:
        days = parse_reminder_days(text_param(request.form, "days", max_length=60))
    except ValueError:
        return _page_with_problems(
            questionnaire,
            wave_key,
            [
                "Påmindelsesdage skal være hele dage mellem 1 og 365, "
                "adskilt af komma, f.eks. 7, 14."
            ],
        )
    set_reminder_days(session, wave.id, days)
    record_staff_action(session, "set_reminder_schedule", f"{questionnaire}/{wave_key} {days}")
    session.commit()
    flash("Planen for påmindelser er gemt.")
    return _back(questionnaire, wave_key, "plan")


@bp.route("/dashboard/mail/<questionnaire>/<wave_key>/rates.csv")
@roles_required(*MAIL_VIEW_ROLES)
@path_values_checked
def rates_csv(questionnaire: str, wave_key: str):
    """The response rates per municipality as CSV (counts only, never an address)."""
    session = get_session()
    wave = _wave_or_404(questionnaire, wave_key)
    rows = [row.csv_row() for row in response_rates(session, wave.id, _visible_ids())]
    record_staff_action(session, "download_response_rates", f"{questionnaire}/{wave_key}")
    session.commit()
    filename = f"svarprocent-{questionnaire}-{wave_key}.csv"
    return csv_download(csv_chunks(iter(rows), RATE_HEADER), filename)


def _participant_for(token: str) -> Participant | None:
    session = get_session()
    invitation = find_invitation(session, token)
    if invitation is None:
        return None
    query = select(Participant).where(Participant.invitation_id == invitation.id)
    return session.execute(query).scalars().first()


@bp.route("/paamindelser/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, after the rate limit, as on the answering page
@limit_unknown_links
def opt_out(token: str):
    """Say no to reminders, without signing in: the personal link is the key."""
    if request.method == "POST":
        csrf.protect()
    participant = _participant_for(token)
    if participant is None:
        abort(404)
    session = get_session()
    if request.method == "POST" and participant.opted_out_at is None:
        participant.opted_out_at = utcnow()
        session.add(participant)
        session.commit()
    return render_template(
        "mail/opt_out.html",
        participant=participant,
        token=token,
        done=participant.opted_out_at is not None,
    )
