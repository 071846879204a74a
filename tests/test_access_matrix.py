"""Who may see what: every dashboard, admin and export URL requested by every role.

The URLs come from ``app.url_map`` (every GET rule under /dashboard, /admin and /export), each
filled with real arguments from the demo data, and requested without a municipality, for the
user's own municipality (Aalborg) and for a foreign one (Thisted). A new route under those
prefixes is requested too; if it takes arguments this file does not know, its test fails
until real arguments are added to ``ARGUMENTS`` below.

Expected: admins see everything; evaluators everything but the audit log (admins only, issue
point 7); a coordinator of Aalborg sees the dashboards and exports of Aalborg, gets 403 for
Thisted and for the audit log; a caseworker of Aalborg sees the dashboards only. No response a
coordinator or caseworker may see names any other municipality, every 403 is written to the
audit log as "denied", and without sign-in every URL redirects to /login.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from survey_app import create_app
from survey_app.cli import main
from survey_app.db import get_session
from survey_app.models import AuditEvent
from survey_app.reference_data import MUNICIPALITIES
from tests.conftest import make_test_app, signed_in_client

OWN = "Aalborg"
FOREIGN = "Thisted"
PREFIXES = ("/dashboard", "/admin", "/export")
ROLES = ("admin", "evaluator", "coordinator", "caseworker")
EXPORT_FORMATS_FALLBACK = ("csv", "wide.csv", "xlsx", "sav", "codebook.csv")


def rules_app():
    """An app built only to read its URL map (no database is touched)."""
    return create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "url-map-only",
            "DATABASE_URL": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


RULES_APP = rules_app()


def export_formats() -> tuple[str, ...]:
    """The export formats the app offers (its own list when it has one)."""
    try:
        from survey_app.exports.views import FORMATS
    except ImportError:  # exports not there yet: the formats, which must then fail
        return EXPORT_FORMATS_FALLBACK
    return tuple(sorted(set(FORMATS) | set(EXPORT_FORMATS_FALLBACK)))


# Real arguments from the demo data, per endpoint that takes arguments: (path, query) pairs.
COMPARED = [
    ({"questionnaire": "ledighedsydelse", "wave_a": "jan-2019", "wave_b": "sommer-2020"}, {}),
    ({"questionnaire": "mentor", "wave_a": "jan-2019", "wave_b": "forsoegsafslutning"}, {}),
]
ARGUMENTS: dict[str, list[tuple[dict[str, str], dict[str, str]]]] = {
    "dashboards.compare": COMPARED,
    "dashboards.compare_counts_csv": COMPARED,
    "dashboards.progression": [({"questionnaire": "en-plan"}, {})],
    "dashboards.open_answers": [({"questionnaire": "ledighedsydelse", "wave": "jan-2019"}, {})],
    "exports.download": [
        ({"name": f"ledighedsydelse.{fmt}"}, {"wave": "jan-2019"}) for fmt in export_formats()
    ]
    # the repeated citizen questionnaire has no waves
    + [({"name": "en-plan.csv"}, {}), ({"name": "en-plan.xlsx"}, {})],
    "authoring.preview": [
        ({"key": "mentor", "version": "1"}, {}),
        ({"key": "mentor", "version": "1"}, {"view": "tablet"}),
    ],
    "mail.page": [({"questionnaire": "ledighedsydelse", "wave_key": "jan-2019"}, {})],
    "mail.rates_csv": [({"questionnaire": "ledighedsydelse", "wave_key": "jan-2019"}, {})],
    "exports.page": [
        ({"questionnaire": "ledighedsydelse"}, {}),
        ({"questionnaire": "ledighedsydelse", "wave": "jan-2019"}, {}),
        ({"questionnaire": "en-plan"}, {}),
    ],
}


@dataclass(frozen=True)
class Target:
    """One URL to request: a rule's endpoint, the path and the municipality asked for."""

    endpoint: str
    rule: str
    path: str
    query: tuple[tuple[str, str], ...]
    municipality: str | None  # None: not asked for; else the value of ?municipality=
    missing_arguments: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    @property
    def kind(self) -> str:
        return {"/dashboard": "dashboard", "/admin": "admin", "/export": "export"}[
            next(p for p in PREFIXES if self.rule.startswith(p))
        ]

    def __str__(self) -> str:
        return self.url


def targets(app=RULES_APP) -> list[Target]:
    """Every GET URL under the staff prefixes, with real arguments, ×3 municipality choices."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or not rule.rule.startswith(PREFIXES):
            continue
        if rule.arguments:
            known = ARGUMENTS.get(rule.endpoint)
            if not known:
                found.append(
                    Target(rule.endpoint, rule.rule, rule.rule, (), None, tuple(rule.arguments))
                )
                continue
            variants = known
        else:
            variants = [({}, {})]
        with app.test_request_context():
            from flask import url_for

            for arguments, base in variants:
                path = url_for(rule.endpoint, **arguments)
                for municipality in (None, OWN, FOREIGN):
                    query = dict(base)
                    if municipality:
                        query["municipality"] = municipality
                    found.append(
                        Target(rule.endpoint, rule.rule, path, tuple(query.items()), municipality)
                    )
    return found


TARGETS = targets()


# Dashboard pages that fewer roles than all may open (issue 13): the e-mail fieldwork of a wave
# (not caseworkers) and changing waves (admins and evaluators).
LIMITED_ROLES = {
    "mail.page": ("admin", "evaluator", "coordinator"),
    "mail.rates_csv": ("admin", "evaluator", "coordinator"),
    "wave_admin.index": ("admin", "evaluator"),
}


def expected_status(role: str, target: Target) -> int | tuple[int, ...]:
    """The status the access rule should give ``role`` for ``target``."""
    if role == "admin":
        return 200
    if role not in LIMITED_ROLES.get(target.endpoint, (role,)):
        return 403
    if target.kind == "admin":
        return 403  # the audit log is for admins only
    if role == "evaluator":
        return 200
    if target.endpoint.startswith("dashboards.open_answers"):
        return 403  # open answers: evaluators and admins only
    if target.endpoint.startswith("authoring."):
        return 403  # questionnaire authoring is for admins and evaluators

    if target.kind == "export" and role == "caseworker":
        return 403
    if target.municipality == FOREIGN:
        if target.kind == "export":
            return 403
        # The dashboards take no municipality parameter: it must either be refused or be
        # ignored (the page then shows the user's own municipality only, checked below).
        return (200, 403)
    return 200


def foreign_names(own: str = OWN) -> list[str]:
    return sorted(name for name in MUNICIPALITIES if name != own)


def readable_text(response) -> str:
    """The response body as text: HTML/CSV decoded, .xlsx unzipped, .sav read back."""
    data = response.get_data()
    content_type = response.headers.get("Content-Type", "")
    parts = [data.decode("utf-8", errors="replace"), data.decode("latin-1")]
    if data[:2] == b"PK":  # .xlsx: a zip of XML files
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    if "spss" in content_type or data[:4] == b"$FL2":
        import tempfile

        import pyreadstat

        with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
            handle.write(data)
            handle.flush()
            frame, meta = pyreadstat.read_sav(handle.name)
        parts += [
            frame.to_csv(),
            repr(meta.column_names_to_labels),
            repr(meta.variable_value_labels),
            repr(getattr(meta, "file_label", "")),
        ]
    return "\n".join(parts)


def leaked_names(text: str, own: str = OWN) -> list[str]:
    return [name for name in foreign_names(own) if re.search(rf"(?<!\w){name}(?!\w)", text)]


def read(client, url):
    """GET ``url`` and read the whole body, so a streamed response's request ends."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def denied_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            get_session()
            .execute(select(AuditEvent).where(AuditEvent.outcome == "denied"))
            .scalars()
        )


def audit_count(app) -> int:
    with app.app_context():
        return get_session().execute(select(func.count()).select_from(AuditEvent)).scalar_one()


@pytest.fixture(scope="module")
def demo_app(database_url, tmp_path_factory):
    """One app with the demo data (seed 1) for the whole matrix."""
    app = make_test_app(database_url, tmp_path_factory.mktemp("matrix"))
    result = app.test_cli_runner().invoke(main, ["demo-data", "--seed", "1"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def role_clients(demo_app):
    """A signed-in test client per role; coordinator and caseworker belong to Aalborg."""
    return {
        role: signed_in_client(
            demo_app, role, [OWN] if role in ("coordinator", "caseworker") else []
        )
        for role in ROLES
    }


def test_the_matrix_covers_dashboards_admin_and_exports():
    endpoints = {t.endpoint for t in TARGETS}
    assert {
        "dashboards.fieldwork",
        "dashboards.compare_index",
        "dashboards.compare",
        "dashboards.progression_index",
        "dashboards.progression",
        "admin.audit_log",
    } <= endpoints
    assert "exports.download" in endpoints, (
        "no /export/<questionnaire>.<format> route is registered in app.url_map"
    )
    names = {t.path.rsplit("/", 1)[-1] for t in TARGETS if t.endpoint == "exports.download"}
    for fmt in EXPORT_FORMATS_FALLBACK:
        assert f"ledighedsydelse.{fmt}" in names


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_access(demo_app, role_clients, role, target):
    assert not target.missing_arguments, (
        f"new route {target.rule} ({target.endpoint}) takes {target.missing_arguments}: add real "
        "arguments to ARGUMENTS in tests/test_access_matrix.py"
    )
    client = role_clients[role]
    denied_before = len(denied_events(demo_app))
    response = read(client, target.url)
    expected = expected_status(role, target)
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, (
        f"{role} {target.url}: {response.status_code}, expected {expected}"
    )
    if response.status_code == 403:
        denied = denied_events(demo_app)
        assert len(denied) == denied_before + 1, f"{role} {target.url}: 403 not logged as denied"
        event = denied[-1]
        assert event.actor.startswith(role) and event.outcome == "denied"
        assert event.target == target.url or event.target.startswith(target.path)
        if target.municipality == FOREIGN and target.kind == "export" and role == "coordinator":
            assert event.municipality == FOREIGN
        assert "Ingen adgang" in response.text
        return
    assert len(denied_events(demo_app)) == denied_before
    if target.endpoint == "exports.download":
        assert "attachment" in response.headers.get("Content-Disposition", "")
    if role in ("coordinator", "caseworker"):
        leaked = leaked_names(readable_text(response))
        assert not leaked, f"{role} of {OWN} sees {leaked} at {target}"


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_not_signed_in_redirects_to_login(demo_app, target):
    before = audit_count(demo_app)
    response = demo_app.test_client().get(target.url)
    response.close()
    assert response.status_code == 302, target.url
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    leaked = leaked_names(response.get_data(as_text=True), own="")
    assert not leaked, leaked
    assert audit_count(demo_app) == before


def test_coordinator_sees_own_numbers_in_exports_and_dashboards(demo_app, role_clients):
    """The allowed responses are not empty: the coordinator's own data is really there."""
    client = role_clients["coordinator"]
    page = read(client, "/dashboard/compare/ledighedsydelse/jan-2019/sommer-2020")
    assert page.status_code == 200 and OWN in page.text
    export = read(client, "/export/ledighedsydelse.csv?wave=jan-2019")
    lines = export.get_data(as_text=True).splitlines()
    assert len(lines) > 1 and all(f",{OWN}," in line for line in lines[1:])
    evaluator = read(role_clients["evaluator"], "/export/ledighedsydelse.csv?wave=jan-2019")
    assert FOREIGN in evaluator.get_data(as_text=True)


def test_admin_sees_the_denials_in_the_audit_log(demo_app, role_clients):
    read(role_clients["coordinator"], f"/export/ledighedsydelse.csv?municipality={FOREIGN}")
    page = read(role_clients["admin"], "/admin/audit?action=export")
    assert page.status_code == 200
    assert "denied" in page.text and FOREIGN in page.text
