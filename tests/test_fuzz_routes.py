"""Every route, every role, hostile input: never a 5xx, never an error in the log.

The routes come from ``app.url_map``, so a new route is fuzzed without touching this file. Each
request fills the route's values, query and form with a mix of real values (so the views get
past their first lookup) and hostile ones: NUL bytes, numbers beyond what the database holds,
Unicode digits, 10,000-character strings, percent-encoded junk, empty values, wrong methods and
bodies of 2 MB. It is sent as an anonymous visitor, as each staff role and from a tablet locked
to a citizen's session; some POSTs carry a valid CSRF token so the views' own checks are reached.

Hypothesis runs derandomized, so CI sends the same requests every time.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

import survey_app
from survey_app.answering.responses import field_name
from survey_app.auth import signed_in_user
from survey_app.auth.users import start_login_session
from survey_app.cli import main
from survey_app.db import get_session
from survey_app.models import User
from survey_app.registry import definition_of, find_version
from tests.conftest import (
    PASSWORD,
    csrf_token_from,
    invite,
    make_test_app,
    open_wave,
    signed_in_client,
)
from tests.test_access_matrix import RULES_APP

EXAMPLES = 10  # random requests per route and role, besides those always sent (``ALWAYS``)
STAFF_ROLES = ("admin", "evaluator", "coordinator", "caseworker", "manager")
ROLES = (*STAFF_ROLES, "tablet", "anonymous")
OWN = "Aalborg"
Q = "ledighedsydelse"
CITIZEN = "sag-fuzz"
PIN = "2468"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
ROUTE_VALUE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
TWO_MB = b"x" * (2 * 1024 * 1024)

# Values that broke or could break a view: a NUL byte (PostgreSQL refuses it in text), numbers
# past a PostgreSQL integer, digits that are not ASCII ("²" passes str.isdigit), dates at the
# edge of the calendar, percent-encoded junk and very long text.
HOSTILE = (
    "\x00",
    "a\x00b@x.dk",
    "ledighedsydelse\x00",
    "1\x00",
    "\x01\x1f\x7f",
    "",
    " ",
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "99999999999999999999",
    "1e309",
    "²",
    "٣",
    "١٢٣٤",
    "9999-12-31",
    "0001-01-01",
    "2020-02-30",
    "%00",
    "%ZZ",
    "%C0%AF",
    "../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "//evil.example/",
    "<script>alert(1)</script>",
    "x" * 10_000,
    "ø" * 5_000,
)
# Sent in every value of every route, with each allowed method, for each role.
ALWAYS = ("\x00", "2147483648", "99999999999999999999", "²", "9999-12-31", "x" * 10_000)
# The query and form names the app reads: those its code asks for by name and those its
# templates' forms send (the fixture adds the answer fields of real questions).
READS = re.compile(
    r'(?:request\.(?:args|form)\.get(?:list)?\(|_param\(\s*request\.(?:args|form),\s*)"([^"]+)"'
)
FORM_FIELD = re.compile(r'<(?:input|select|textarea|button)[^>]*\bname="([^"{]+)"')
# Raw query strings and path segments sent exactly as written (not percent-encoded again).
RAW_JUNK = ("%00", "%ZZ", "%C0%AF", "%ff%fe%00", "a=%00&a=1&a", "=&&=", "%E2%80%AE", "..%2F..")

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
listed = st.sampled_from(HOSTILE)
hostile = st.one_of(listed, listed, listed, text)  # mostly the listed values


@dataclass
class Fuzzed:
    """The app under fuzzing, each role's session cookie and CSRF token, and real values."""

    app: object
    cookies: dict  # role -> session cookie
    csrf: dict  # role -> a CSRF token valid with that cookie
    real: dict  # route, query or form value name -> real values
    errors: list  # ERROR records logged while fuzzing


class ErrorRecords(logging.Handler):
    """Keeps every record of level ERROR or worse."""

    def __init__(self, records: list):
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record):
        self.records.append(record)


def places_of(role: str) -> tuple[str, ...]:
    return () if role in ("admin", "evaluator") else (OWN,)


def email_of(role: str) -> str:
    return f"{role}@example.dk"


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def cookie_and_csrf(client) -> tuple[str, str]:
    """The client's session cookie and a CSRF token from a page with a form."""
    page = client.get("/login", follow_redirects=True)  # signed in: the dashboard
    return session_cookie(client), csrf_token_from(page.text)


def answer_fields(app) -> list[str]:
    """The form fields of the first two questions of each questionnaire used here."""
    with app.app_context():
        session = get_session()
        definitions = [definition_of(find_version(session, key)) for key in ("en-plan", Q)]
    return [field_name(item.key) for q in definitions for item in q.items[:2]]


@pytest.fixture(scope="module")
def fuzzed(database_url, tmp_path_factory):
    """An app with demo data, a citizen and a running tablet session; rate limits off."""
    app = make_test_app(database_url, tmp_path_factory.mktemp("fuzz"), RATELIMIT_ENABLED=False)
    assert app.test_cli_runner().invoke(main, ["demo-data", "--seed", "1"]).exit_code == 0
    open_wave(app)
    clients = {"anonymous": app.test_client()}
    for role in STAFF_ROLES:
        clients[role] = signed_in_client(app, role, places_of(role), email_of(role))
    clients["tablet"] = signed_in_client(app, "caseworker", (OWN,), "tablet@example.dk")
    cookies, csrf = {}, {}
    for role, client in clients.items():
        cookies[role], csrf[role] = cookie_and_csrf(client)
    tablet = clients["tablet"]
    registered = tablet.post(
        "/kiosk/citizens",
        data={"pseudonym": CITIZEN, "municipality": OWN, "csrf_token": csrf["tablet"]},
    )
    assert registered.status_code == 302, registered.text
    started = tablet.post(
        "/kiosk/start",
        data={"pseudonym": CITIZEN, "questionnaire": "en-plan", "pin": PIN, "pin_repeat": PIN,
              "csrf_token": csrf["tablet"]},
    )  # fmt: skip
    assert started.headers["Location"].endswith("/kiosk/answer"), started.text
    cookies["tablet"] = session_cookie(tablet)
    occasion = re.search(r'name="occasion" value="([^"]+)"', tablet.get("/kiosk/answer").text)
    real = {
        "token": invite(app, municipality=OWN),
        "questionnaire": ["ledighedsydelse", "en-plan"],
        "wave_a": ["jan-2019"],
        "wave_b": ["sommer-2020"],
        "wave": ["jan-2019", "ledighedsydelse/test-open"],
        "wave_key": ["test-open", "jan-2019"],
        "wave_id": ["1", "4"],
        "pseudonym": [CITIZEN],
        "name": ["ledighedsydelse.csv", "ledighedsydelse.wide.csv", "en-plan.codebook.csv"],
        "filename": ["style.css"],
        "municipality": [OWN, "Thisted"],
        "version": ["1"],
        "occasion": [occasion.group(1)],
        "pin": [PIN],
        "position": ["0", "1"],
        "move": ["next", "back", "pause"],
        "action": ["save", "submit"],
        "count": ["1"],
        "page": ["1", "2"],
        "from": ["2019-01-01"],
        "email": [email_of("admin")],
        "password": [PASSWORD],
        "answer_fields": answer_fields(app),
        "trial_key": ["revalidering", "ledighedsydelse"],
        "waves": ["jan-2019", "loebende", "jan-2019+sommer-2020"],
        "fmt": ["html"],  # docx and pdf draw figures in Chromium: tested in test_trial_report
    }
    errors: list = []
    handler = ErrorRecords(errors)
    logging.getLogger().addHandler(handler)
    yield Fuzzed(app, cookies, csrf, real, errors)
    logging.getLogger().removeHandler(handler)
    app.extensions["db_engine"].dispose()


def signed_in_again_if_ended(fuzzed: Fuzzed, role: str) -> None:
    """A fuzzed request may have ended the role's sign-in (POST /logout, five wrong PINs on the
    tablet): open a new sign-in session in the same cookie, so later requests are still made
    as that role (with the same CSRF token)."""
    if role not in STAFF_ROLES:
        return
    client = fuzzed.app.test_client()
    client.set_cookie("session", fuzzed.cookies[role])
    with client.session_transaction() as cookie, fuzzed.app.app_context():
        db = get_session()
        if signed_in_user(cookie.get("_user_id", "")) is None:
            user = db.exec(select(User).where(User.email == email_of(role))).one()
            cookie["_user_id"] = start_login_session(db, user)
            db.commit()
    fuzzed.cookies[role] = session_cookie(client)


def parameter_names() -> tuple[str, ...]:
    """Every query or form name read in ``survey_app`` or sent by one of its forms."""
    package = Path(survey_app.__file__).parent
    names = {"x"}  # and one the app never reads
    for path in package.rglob("*.py"):
        names.update(READS.findall(path.read_text()))
    for path in (package / "templates").rglob("*.html"):
        names.update(FORM_FIELD.findall(path.read_text()))
    return tuple(sorted(names - {"csrf_token"}))


PARAMETER_NAMES = parameter_names()


def routes():
    """Every rule in the URL map with its methods."""
    return [
        pytest.param(rule.rule, sorted(rule.methods), id=rule.endpoint)
        for rule in RULES_APP.url_map.iter_rules()
    ]


@dataclass(frozen=True)
class Plan:
    """What one fuzzed request carries; ``build_request`` turns it into the request."""

    method: str
    hostile: str  # the hostile value (unless mixed)
    mixed: bool  # every hostile value drawn anew from HOSTILE
    share: float  # the chance that a value is hostile; otherwise real or left out
    seed: int
    body: str  # form, none, json or 2 MB
    with_csrf: bool


def plans(methods: list[str]):
    """Plans for requests to a rule with ``methods``: mostly allowed methods, some wrong."""
    allowed = [m for m in methods if m not in ("HEAD", "OPTIONS")]  # HEAD runs the GET view
    wrong = [m for m in METHODS if m not in methods]
    return st.builds(
        Plan,
        method=st.one_of(*[st.sampled_from(allowed)] * 4, st.sampled_from(wrong)),
        hostile=hostile,
        mixed=st.booleans(),
        share=st.sampled_from((0.3, 0.6, 0.9)),
        seed=st.integers(0, 2**32 - 1),
        body=st.sampled_from(("form", "form", "form", "form", "none", "json", "2 MB")),
        with_csrf=st.sampled_from((True, True, True, False)),
    )


def explicit_plans(methods: list[str]) -> list[Plan]:
    """Always sent: each allowed method with one of ``ALWAYS`` in every value."""
    allowed = [m for m in methods if m not in ("HEAD", "OPTIONS")]
    return [Plan(m, bad, False, 1.0, 0, "form", True) for bad in ALWAYS for m in allowed]


def build_request(plan: Plan, rule: str, real: dict) -> dict:
    """The test client's arguments for ``plan``: path, method, query string and body.

    Which value goes where comes from a ``random.Random`` seeded by the plan: one draw
    instead of dozens keeps an example cheap, and the requests are the same on every run.
    """
    rng = random.Random(plan.seed)

    def value(name: str, may_be_absent: bool) -> str | None:
        if rng.random() < plan.share:
            return rng.choice(HOSTILE) if plan.mixed else plan.hostile
        if name in real and (not may_be_absent or rng.random() < 0.5):
            return rng.choice(real[name])
        return None if may_be_absent else plan.hostile

    def segment(match) -> str:
        if plan.share < 1 and rng.random() < 0.1:
            return rng.choice(RAW_JUNK)
        return quote(value(match.group(1), may_be_absent=False), safe="")

    path = ROUTE_VALUE.sub(segment, rule)
    sent = PARAMETER_NAMES + tuple(real["answer_fields"])
    query = urlencode([(n, v) for n in sent if (v := value(n, True)) is not None])
    if plan.share < 1 and rng.random() < 0.1:
        query += "&" + rng.choice(RAW_JUNK)
    form = {n: v for n in sent if (v := value(n, True)) is not None}
    if plan.with_csrf:
        form["csrf_token"] = real["csrf_token"]
    bodies = {
        "form": {"data": form},
        "none": {},
        "json": {"json": form},
        "2 MB": {"data": TWO_MB, "content_type": "application/x-www-form-urlencoded"},
    }
    return {"path": path, "method": plan.method, "query_string": query, **bodies[plan.body]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("rule", "methods"), routes())
def test_no_hostile_request_gets_a_server_error(fuzzed, rule, methods, role):
    """Every route answers hostile requests from every role below 500, without 429s and
    without an ERROR in the log."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(plans(methods))
    def fuzz(plan: Plan):
        fuzzed.errors.clear()
        client = fuzzed.app.test_client()
        client.set_cookie("session", fuzzed.cookies[role])
        sent = build_request(plan, rule, {**fuzzed.real, "csrf_token": fuzzed.csrf[role]})
        reply = client.open(**sent)
        payload = reply.get_data()
        reply.close()
        what = f"{role} {repr(plan)[:300]} {sent['path'][:200]}?{sent['query_string'][:200]}"
        assert reply.status_code < 500, what
        assert reply.status_code != 429, what
        assert b"Traceback" not in payload, what
        assert fuzzed.errors == [], (what, [r.getMessage() for r in fuzzed.errors])
        signed_in_again_if_ended(fuzzed, role)

    for plan in explicit_plans(methods):
        fuzz = example(plan)(fuzz)
    fuzz()
