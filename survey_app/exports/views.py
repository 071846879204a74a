"""Export downloads at stable URLs: ``/export/<questionnaire>.<format>?wave=W&municipality=M``.

Formats: ``csv`` (the long CSV, the foundation's contract, all versions), ``excel.csv`` (the same
for Danish Excel: ``;`` and a byte order mark), ``wide.csv``, ``xlsx``,
``sav`` and ``codebook.csv`` (one questionnaire version: ``version=N``, else the version of the
requested wave, else the newest). Who may export what is decided in ``access`` alone; every
export is logged and committed before the first byte is sent. A coordinator's export of an
anonymous questionnaire is refused (403, logged) when any municipality in it has fewer
respondents than ``SUPPRESSION_THRESHOLD``. The "Data og eksport" pages (``/export/``,
``/export/<questionnaire>/`` and ``/export/<questionnaire>/<wave>/``) list them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user
from sqlmodel import Session, select

from ..access import (
    EXPORT_ROLES,
    may_export_small_groups,
    may_see_open_answers,
    requested_municipality,
    roles_required,
    visible_municipalities,
)
from ..audit import record_staff_action
from ..dashboards.counts import questionnaire_titles, waves_of
from ..db import get_session
from ..downloads import csv_download
from ..errors import error_page
from ..export import ExportFilter
from ..export_copy import long_csv
from ..models import Municipality, QuestionnaireVersion, Wave
from ..params import int_param, path_values_checked, text_param
from ..registry import definition_of, find_version, list_versions
from .catalogue import EXPORT_FORMATS
from .data import Selection, exportable_definition, small_municipalities, wide_records
from .formats import codebook_csv_chunks, wide_csv_chunks, write_sav, write_xlsx

bp = Blueprint("exports", __name__, url_prefix="/export")

FILE_FORMATS = {
    "xlsx": (write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "sav": (write_sav, "application/x-spss-sav"),
}
FORMATS = {f.suffix for f in EXPORT_FORMATS}
LONG_FORMATS = {f.suffix for f in EXPORT_FORMATS if not f.per_version}


@dataclass(frozen=True)
class ExportRequest:
    """A checked export request: the version, wave and municipality to export."""

    questionnaire: str
    fmt: str
    version: QuestionnaireVersion
    version_asked: bool
    wave: str | None
    municipality: Municipality | None


@bp.route("/<name>")
@roles_required(*EXPORT_ROLES)
@path_values_checked
def download(name: str):
    """Download an export of one questionnaire in the format named by the URL's suffix."""
    session = get_session()
    wanted = _checked_request(session, name)
    refusal = _small_group_refusal(session, wanted)
    if refusal is not None:
        return refusal
    place = wanted.municipality
    record_staff_action(session, "export", municipality=place.name if place else None)
    session.commit()
    if wanted.fmt in ("csv", "excel.csv"):
        # Named first: on PostgreSQL the export ends the session before the first byte is sent.
        excel = wanted.fmt == "excel.csv"
        filename = _filename(wanted, "svar-lang-excel" if excel else "svar-lang", "csv")
        return csv_download(_long_csv(session, wanted, for_excel=excel), filename)
    definition = _definition(wanted)
    if wanted.fmt == "codebook.csv":
        return csv_download(codebook_csv_chunks(definition), _filename(wanted, "kodebog", "csv"))
    records = wide_records(session, _selection(wanted))
    if wanted.fmt == "wide.csv":
        chunks = wide_csv_chunks(definition, records)
        return csv_download(chunks, _filename(wanted, "svar-bred", "csv"))
    return _file_response(wanted, definition, records)


def _checked_request(session: Session, name: str) -> ExportRequest:
    """The request's questionnaire, format, municipality, wave and version, or 404/403."""
    questionnaire, _, fmt = name.partition(".")
    if fmt not in FORMATS or find_version(session, questionnaire) is None:
        abort(404)
    municipality = requested_municipality(
        session, current_user, text_param(request.args, "municipality", status=404), "export"
    )
    version_number = int_param(request.args, "version", status=404)
    wave = text_param(request.args, "wave", status=404) or None
    if wave:
        version = _version_of_wave(session, questionnaire, wave, version_number)
    else:
        version = find_version(session, questionnaire, version_number)
    if version is None:
        abort(404)
    asked = version_number is not None
    return ExportRequest(questionnaire, fmt, version, asked, wave, municipality)


def _version_of_wave(
    session: Session, questionnaire: str, wave: str, number: int | None
) -> QuestionnaireVersion | None:
    query = (
        select(QuestionnaireVersion)
        .join(Wave, Wave.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.key == questionnaire, Wave.key == wave)
    )
    if number is not None:
        query = query.where(QuestionnaireVersion.version == number)
    return session.exec(query.order_by(QuestionnaireVersion.version.desc())).first()


def _long_csv(session: Session, wanted: ExportRequest, for_excel: bool = False) -> Iterator[str]:
    """The foundation's long CSV; a coordinator gets only their own municipalities."""
    return long_csv(session, _export_filter(wanted), for_excel=for_excel)


def _export_filter(wanted: ExportRequest) -> ExportFilter:
    """The answer rows a request exports: the long CSV all versions unless one is asked for,
    the other formats one version; a coordinator only their own municipalities."""
    one_version = wanted.fmt not in ("csv", "excel.csv") or wanted.version_asked
    return ExportFilter(
        wanted.questionnaire,
        wanted.wave,
        wanted.municipality.name if wanted.municipality else None,
        version=wanted.version.version if one_version else None,
        municipality_ids=None
        if current_user.sees_all_municipalities
        else frozenset(current_user.municipality_ids),
        include_identifying=may_see_open_answers(current_user),
    )


def _definition(wanted: ExportRequest):
    """The exported version's definition, without identifying text items for a coordinator."""
    return exportable_definition(definition_of(wanted.version), may_see_open_answers(current_user))


def _small_group_refusal(session: Session, wanted: ExportRequest):
    """The 403 page (logged) when someone without a data agreement asks for anonymous answers
    of a municipality with fewer respondents than the suppression threshold; else None.
    The codebook holds no answers and is never refused."""
    if wanted.fmt == "codebook.csv" or may_export_small_groups(current_user):
        return None
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    small = small_municipalities(session, _export_filter(wanted), threshold)
    if not small:
        return None
    names = ", ".join(small)
    record_staff_action(session, "export", municipality=names[:60], outcome="denied_small_group")
    session.commit()
    return error_page(
        403,
        f"Eksporten er afvist, fordi {names} har færre end {threshold} besvarelser i udtrækket: "
        "svar på rækkeniveau fra så få kan pege på den enkelte. Eksportér en kommune med mindst "
        f"{threshold} besvarelser ad gangen (…?municipality=NAVN), brug dashboardets tal, eller "
        "bed en evaluator om udtrækket.",
    )


def _selection(wanted: ExportRequest) -> Selection:
    if wanted.municipality is not None:
        places = frozenset({wanted.municipality.id})
    elif current_user.sees_all_municipalities:
        places = None
    else:
        places = frozenset(current_user.municipality_ids)
    return Selection(
        version=wanted.version,
        definition=_definition(wanted),
        wave=wanted.wave,
        municipality_ids=places,
    )


def _file_response(wanted: ExportRequest, definition, records):
    """Excel and SPSS files cannot be streamed while written (a zip archive; a file whose
    header counts the rows), so they are written to a temporary file and sent from there."""
    writer, mimetype = FILE_FORMATS[wanted.fmt]
    handle, path = tempfile.mkstemp(prefix="export-", suffix="." + wanted.fmt)
    os.close(handle)
    try:
        writer(Path(path), definition, records)
        stream = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(path)  # the open handle keeps the data until the response is sent
    response = send_file(
        stream,
        mimetype=mimetype,
        as_attachment=True,
        download_name=_filename(wanted, "svar", wanted.fmt),
        conditional=False,
        etag=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _filename(wanted: ExportRequest, prefix: str, extension: str) -> str:
    """A Danish file name such as ``svar-bred-ledighedsydelse-v1-2019-Aalborg.csv``."""
    parts = [prefix, wanted.questionnaire]
    if wanted.fmt not in LONG_FORMATS or wanted.version_asked:
        parts.append(f"v{wanted.version.version}")
    if wanted.fmt != "codebook.csv":
        parts += [wanted.wave or "", wanted.municipality.name if wanted.municipality else ""]
    safe = [re.sub(r"[^\w-]+", "-", part) for part in parts if part]
    return "-".join(safe) + "." + extension


@bp.route("/")
@roles_required(*EXPORT_ROLES)
def index():
    """Data og eksport: every questionnaire and its waves, each with a page of downloads."""
    session = get_session()
    requested_municipality(
        session,
        current_user,
        text_param(request.args, "municipality", status=404),
        "view_export_page",
    )
    listing = [(key, title, [w for w, _ in waves_of(session, key)])
               for key, title in questionnaire_titles(session)]  # fmt: skip
    record_staff_action(session, "view_export_page")
    session.commit()
    return render_template("exports/index.html", listing=listing)


@bp.route("/<questionnaire>/")
@bp.route("/<questionnaire>/<wave>/")
@roles_required(*EXPORT_ROLES)
@path_values_checked
def page(questionnaire: str, wave: str | None = None):
    """The downloads of one questionnaire (or one of its waves) with what each format is for,
    for all municipalities the user may see or one of them."""
    session = get_session()
    versions = list_versions(session, questionnaire)
    waves = waves_of(session, questionnaire)
    chosen = next(((w, v) for w, v in waves if w.key == wave), None)
    if not versions or (wave is not None and chosen is None):
        abort(404)
    municipality = requested_municipality(
        session,
        current_user,
        text_param(request.args, "municipality", status=404),
        "view_export_page",
    )
    if chosen is not None:
        versions = [v for v in versions if v.version == chosen[1]]
    record_staff_action(
        session, "view_export_page", municipality=municipality.name if municipality else None
    )
    session.commit()
    return render_template(
        "exports/page.html",
        questionnaire=questionnaire,
        title=versions[-1].title,
        wave=chosen[0] if chosen else None,
        waves=[w for w, _ in waves],
        versions=versions,
        several_versions=chosen is None and len(versions) > 1,
        formats=EXPORT_FORMATS,
        municipality=municipality,
        municipalities=visible_municipalities(session, current_user),
    )
