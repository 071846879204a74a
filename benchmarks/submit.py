"""Benchmark: submitting responses through the app under gunicorn on PostgreSQL, beside a ceiling.

What it measures
----------------
1. The app. The script (re)creates a dedicated PostgreSQL database (default ``survey_bench``;
   its name must contain "bench", as it is dropped at the start), sets it up with the
   ``survey-app`` CLI (``init-db``, ``load-questionnaires``, ``create-wave``, ``invite``) and
   starts the app under gunicorn (``-w WORKERS``, sync workers) on a free loopback port.
   ``C`` concurrent clients (threads spread over a few client processes; a minimal
   ``http.client`` browser per respondent keeping its cookies) each take invitation tokens
   from the list and, per token, GET ``/s/<token>`` (for the CSRF token in the form), then
   POST valid answers to the two items of ``ledighedsydelse`` v1 with ``action=submit`` (the
   redirect is not followed).
   A fraction of the submissions (``--resend``, default 5%) is posted a second time
   afterwards, and a fraction (``--race``, default 2%) is posted twice at the same moment
   from two connections; every second submission must be refused with 409.
2. The ceiling. A bare Flask app in this file (``ceiling_app``), served by gunicorn with the
   same worker count, stores the same rows in the same database in the same run: per
   submission the sealed used-mark (``INSERT INTO spent_link ... ON CONFLICT DO NOTHING``),
   the draft's deletion, one ``response`` row and its ``answer`` rows (one multi-row
   INSERT), in one transaction, through SQLAlchemy Core and psycopg. It has a trivial GET (one
   SELECT of the invitation by token hash in a committed transaction, a tiny page with a
   dummy ``csrf_token``) so that both sides make the same GET+POST pair per respondent; it
   has no CSRF check, templates, rate limiter, security headers or count table. Its
   invitations belong to a second wave, so the two sides are counted apart.
3. Side by side. Both servers run for the whole measurement and the sides take turns in
   ``--rounds`` rounds (default 4), each driving its share of the tokens, the app first: a
   virtual machine's speed changes by tens of percent within a minute, and taking turns makes
   such a change fall on both sides alike.

For each side the script prints N, concurrency, workers, responses/s (accepted submissions
divided by the wall-clock time of its rounds, each from its first request to its last
answer), p50/p99 latency of the submitting POST and of the GET+POST pair over all rounds, lost
responses (acknowledged with 303 but not in the database: acknowledged minus stored,
count-based, since anonymous responses keep no link to their invitation), duplicated responses
(stored responses beyond one per used invitation, or a token acknowledged twice), wrong answer
rows (the stored (item, value) counts against the acknowledged ones), the app/ceiling
throughput ratio (over all rounds, and per round) and the CPU time per response of each side's
gunicorn, of PostgreSQL (when it runs on this machine) and of the clients. Status codes other
than the expected ones, client exceptions and errors in the gunicorn logs are listed below the
table. The clients are a minimal ``http.client`` browser (``Browser``), so that they take
little of the CPU the servers and PostgreSQL share with them.

How to run
----------
PostgreSQL must answer on the URL's host (trust or password in the URL)::

    .venv/bin/python benchmarks/submit.py                      # N=2000, C=16, W=4
    .venv/bin/python benchmarks/submit.py --responses 500 --concurrency 8 --workers 2 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/survey_bench

The benchmark database is left in place afterwards for inspection and dropped at the next run.
Every step has a timeout; ``--time-limit`` bounds each round's client phase (unfinished tokens
are reported as not attempted).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import hashlib
import hmac
import http.client
import io
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/survey_bench"
QUESTIONNAIRE = "ledighedsydelse"
APP_WAVE = "bench"
CEILING_WAVE = "bench-ceiling"
EARLIER_WAVE = "bench-earlier"
EARLIER_RESPONSES = 20_000
MUNICIPALITY = "Aalborg"
# ledighedsydelse v1: item key -> valid option codes, in questionnaire order.
ITEMS = {"forenklet_sagsbehandling": (1, 2, 3, 4, 5), "kvalitet_revurdering": (1, 2, 3, 4)}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUEST_TIMEOUT = 30.0
CLI_TIMEOUT = 300.0
CEILING_URL_ENV = "SURVEY_BENCH_CEILING_DATABASE_URL"


# --------------------------------------------------------------------------------------------
# The ceiling: a bare Flask app that stores the same rows as a submission through the app.
# --------------------------------------------------------------------------------------------


def ceiling_app():
    """The bare endpoint, for gunicorn: ``submit:ceiling_app()`` with the URL in the env."""
    from flask import Flask, abort, redirect, request
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ[CEILING_URL_ENV], pool_pre_ping=True)
    app = Flask("ceiling")
    seal_key = os.environ.get("SURVEY_BENCH_SEAL_KEY", "ceiling-seal-key").encode()
    select_invitation = text(
        "SELECT i.id, i.wave_id, i.municipality_id, i.is_demo, w.questionnaire_version_id "
        "FROM invitation AS i JOIN wave AS w ON w.id = i.wave_id WHERE i.token_hash = :h"
    )
    # The same rows as the app: a sealed used-mark, the draft dropped, the response, its answers.
    mark_used = text(
        "INSERT INTO spent_link (seal, wave_id, municipality_id, is_demo) "
        "VALUES (:seal, :wave, :municipality, :is_demo) ON CONFLICT (seal) DO NOTHING "
        "RETURNING seal"
    )
    drop_draft = text("DELETE FROM link_draft WHERE seal = :seal")
    insert_response = text(
        "INSERT INTO response (id, questionnaire_version_id, wave_id, municipality_id, "
        "invitation_id, respondent_key, submitted_at, is_demo) "
        "VALUES (:id, :qv, :wave, :municipality, NULL, NULL, :submitted_at, :is_demo)"
    )
    # All answers in one multi-row INSERT, as the app sends them (an executemany would make
    # psycopg poll the socket while the database works, costing CPU the app does not spend).
    insert_answers = text(
        "INSERT INTO answer (response_id, item_key, position, value, missing) VALUES "
        + ", ".join(
            f"(:response_id, :item_{i}, {i}, :value_{i}, NULL)" for i in range(1, len(ITEMS) + 1)
        )
    )

    def token_hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    @app.get("/c/<token>")
    def form(token: str):
        # Committed, not rolled back as engine.connect() would: psycopg forgets its prepared
        # statements at a ROLLBACK, and the app ends its reading requests with COMMIT too.
        with engine.begin() as conn:
            row = conn.execute(select_invitation, {"h": token_hash(token)}).first()
        if row is None:
            abort(404)
        return '<form method="post"><input type="hidden" name="csrf_token" value="x"></form>'

    @app.post("/c/<token>")
    def submit(token: str):
        values = {}
        for key, codes in ITEMS.items():
            raw = request.form.get("item-" + key, "")
            if not raw.isdigit() or int(raw) not in codes:
                abort(400)
            values[key] = int(raw)
        now = datetime.now(UTC)
        with engine.begin() as conn:
            row = conn.execute(select_invitation, {"h": token_hash(token)}).first()
            if row is None:
                abort(404)
            seal = hmac.new(seal_key, token_hash(token).encode(), hashlib.sha256).hexdigest()
            spent = conn.execute(
                mark_used,
                {"seal": seal, "wave": row.wave_id, "municipality": row.municipality_id,
                 "is_demo": row.is_demo},
            ).first()  # fmt: skip
            if spent is None:
                return "already used", 409
            conn.execute(drop_draft, {"seal": seal})
            response_id = str(uuid.uuid4())
            conn.execute(
                insert_response,
                {
                    "id": response_id,
                    "qv": row.questionnaire_version_id,
                    "wave": row.wave_id,
                    "municipality": row.municipality_id,
                    "submitted_at": now.replace(hour=0, minute=0, second=0, microsecond=0),
                    "is_demo": row.is_demo,
                },
            )
            answers = {"response_id": response_id}
            for i, (k, v) in enumerate(values.items(), start=1):
                answers.update({f"item_{i}": k, f"value_{i}": v})
            conn.execute(insert_answers, answers)
        return redirect(f"/c/{token}", code=303)

    return app


# --------------------------------------------------------------------------------------------
# Database and app set-up
# --------------------------------------------------------------------------------------------


def _plain_url(database_url: str, database: str | None = None) -> str:
    """A libpq URI for psycopg.connect from an SQLAlchemy URL (optionally another database)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql")
    if database:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def recreate_database(database_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    if not name or "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: its name must contain 'bench'")
    with psycopg.connect(
        _plain_url(database_url, "postgres"), autocommit=True, connect_timeout=10
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def app_env(database_url: str, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SURVEY_APP_DATABASE_URL=database_url,
        SURVEY_APP_SECRET_KEY=secret,
        SURVEY_APP_ENV="development",
        SURVEY_APP_TOKEN_GUESS_LIMIT="1000000 per minute",
        SURVEY_APP_BASE_URL="http://127.0.0.1",
    )
    return env


def cli(env: dict[str, str], *args: str) -> str:
    command = [str(VENV_BIN / "survey-app"), *args]
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=CLI_TIMEOUT
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:1])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def invite(env: dict[str, str], wave: str, count: int) -> list[str]:
    tokens: list[str] = []
    while len(tokens) < count:
        chunk = min(10_000, count - len(tokens))
        out = cli(
            env,
            "invite",
            "--questionnaire",
            QUESTIONNAIRE,
            "--wave",
            wave,
            "--municipality",
            MUNICIPALITY,
            "--count",
            str(chunk),
        )
        rows = list(csv.DictReader(io.StringIO(out)))
        tokens.extend(row["token"] for row in rows)
    return tokens


def set_up(database_url: str, env: dict[str, str], n: int) -> tuple[list[str], list[str]]:
    """Schema, questionnaires, two open waves and n invitations in each: (app, ceiling)."""
    recreate_database(database_url)
    cli(env, "init-db")
    cli(env, "load-questionnaires")
    now = datetime.now(UTC)
    opens = (now - timedelta(days=1)).isoformat(timespec="seconds")
    closes = (now + timedelta(days=1)).isoformat(timespec="seconds")
    for wave in (APP_WAVE, CEILING_WAVE):
        create_wave(env, wave, opens, closes)
    add_earlier_wave(database_url, env, now)
    app_tokens = invite(env, APP_WAVE, n)
    ceiling_tokens = invite(env, CEILING_WAVE, n)
    import psycopg

    with psycopg.connect(_plain_url(database_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute("VACUUM ANALYZE")
    return app_tokens, ceiling_tokens


def create_wave(env: dict[str, str], wave: str, opens: str, closes: str) -> None:
    """A wave of the benchmark's questionnaire, through the CLI."""
    cli(env, "create-wave", "--questionnaire", QUESTIONNAIRE, "--wave", wave, "--title", "Bench",
        "--opens", opens, "--closes", closes)  # fmt: skip


def add_earlier_wave(database_url: str, env: dict[str, str], now: datetime) -> None:
    """A closed earlier wave with ``EARLIER_RESPONSES`` responses (their answers, used-marks
    and counts), written in SQL, as a live database holds earlier waves.

    PostgreSQL plans a connection's foreign key checks and prepared statements by the tables'
    sizes at the time, and keeps those plans. Against empty tables it picks sequential scans
    of ``response`` and ``spent_link``, which stay while the tables grow during the run, and
    only the side that submits first (the app) would pay for them.
    """
    import psycopg

    opens = (now - timedelta(days=400)).isoformat(timespec="seconds")
    closes = (now - timedelta(days=300)).isoformat(timespec="seconds")
    create_wave(env, EARLIER_WAVE, opens, closes)
    with psycopg.connect(_plain_url(database_url), connect_timeout=10) as conn:
        wave, version, opened = conn.execute(
            "SELECT id, questionnaire_version_id, opens_at FROM wave WHERE key = %s",
            (EARLIER_WAVE,),
        ).fetchone()
        municipality = conn.execute(
            "SELECT id FROM municipality WHERE name = %s", (MUNICIPALITY,)
        ).fetchone()[0]
        values = {"wave": wave, "version": version, "municipality": municipality,
                  "day": opened.date(), "n": EARLIER_RESPONSES}  # fmt: skip
        conn.execute(
            "INSERT INTO response (id, questionnaire_version_id, wave_id, municipality_id, "
            "submitted_at, is_demo) SELECT md5('earlier' || g)::uuid::text, %(version)s, "
            "%(wave)s, %(municipality)s, %(day)s, false FROM generate_series(1, %(n)s) AS g",
            values,
        )
        for position, (key, codes) in enumerate(ITEMS.items(), start=1):
            conn.execute(
                "INSERT INTO answer (response_id, item_key, position, value) "
                "SELECT id, %(key)s, %(position)s, 1 + floor(random() * %(codes)s)::int "
                "FROM response WHERE wave_id = %(wave)s",
                dict(values, key=key, position=position, codes=len(codes)),
            )
        conn.execute(
            "INSERT INTO spent_link (seal, wave_id, municipality_id, is_demo) "
            "SELECT encode(sha256(('earlier' || g)::bytea), 'hex'), %(wave)s, %(municipality)s, "
            "false FROM generate_series(1, %(n)s) AS g",
            values,
        )
    # The answers went in by SQL: count them with the app's own rebuild.
    subprocess.run(
        [sys.executable, "-c", REBUILD_COUNTS], env=env, cwd=ROOT, check=True,
        capture_output=True, timeout=CLI_TIMEOUT,
    )  # fmt: skip


REBUILD_COUNTS = """
from survey_app import create_app
from survey_app.answer_counts import rebuild
from survey_app.db import get_session
with create_app().app_context():
    session = get_session()
    rebuild(session)
    session.commit()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes():
    """(pid, command name, the fields after the name) of every process in /proc (Linux)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1 : text.rfind(")")]
        yield stat.parent.name, name, text[text.rfind(")") + 2 :].split()


def postgres_cpu_seconds() -> float:
    """User+system CPU used so far by the PostgreSQL server on this machine: its running
    processes, and through the postmaster's children's time the backends that have ended.
    0 when no PostgreSQL process is visible (a server elsewhere)."""
    processes = [(pid, fields) for pid, name, fields in _processes() if name == "postgres"]
    pids = {pid for pid, _fields in processes}
    total = 0
    for _pid, fields in processes:
        total += int(fields[11]) + int(fields[12])
        if fields[1] not in pids:  # the postmaster: add its ended children
            total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


class Gunicorn:
    """A gunicorn server in its own process group, always stopped on leaving the block."""

    def __init__(self, app_spec: str, workers: int, env: dict[str, str], pythonpath: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        fd, name = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        self.command = [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--pythonpath",
            str(pythonpath),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            app_spec,
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        import requests

        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_text()}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    self.wait_until_booted()
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer /healthz in 60 s:\n{self.log_text()}")

    def __exit__(self, *_exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def wait_until_booted(self, timeout: float = 30) -> None:
        """Wait until every worker has loaded the app: /healthz answers as soon as the first
        one has, and the others' start-up would otherwise be measured as serving (both sides
        alike). Booted means the server uses under a tenth of a core for half a second."""
        deadline = time.monotonic() + timeout
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - used < 0.05:
                return
            used = now

    def cpu_seconds(self) -> float:
        """User+system CPU used so far by the gunicorn master and its workers (Linux /proc)."""
        if self.process is None:
            return 0.0
        pid = str(self.process.pid)
        return sum(
            int(fields[11]) + int(fields[12])
            for own_pid, _name, fields in _processes()
            if own_pid == pid or fields[1] == pid
        ) / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened to one token: statuses, latencies (s) and the answers sent."""

    token: str
    answers: dict[str, int]
    get_status: int | str | None = None
    post_status: int | str | None = None
    extra_statuses: list[int | str] = field(default_factory=list)  # resend or race twin
    probe: str = ""  # "", "resend" or "race"
    post_latency: float | None = None
    pair_latency: float | None = None
    started: float | None = None
    finished: float | None = None

    @property
    def acks(self) -> int:
        """How many of this token's POSTs were acknowledged with 303."""
        return [self.post_status, *self.extra_statuses].count(303)


class Browser:
    """A minimal HTTP/1.1 client over loopback: one connection per request (gunicorn's sync
    workers close it after each response) and the cookies the server set, as a browser keeps
    them. ``requests`` cost the clients about 2.6 ms of CPU per request on the 2 cores they
    share with the servers; this costs a fraction of that, for both sides alike."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None):
        host, _, port = base_url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port or 80)
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        """(status, body) of one request; the redirect of a 303 is not followed."""
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            text = reply.read().decode("utf-8", "replace")
            for header in reply.headers.get_all("Set-Cookie") or []:
                name, _, value = header.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return reply.status, text
        finally:
            conn.close()


def _post(browser: Browser, path: str, data: dict) -> int | str:
    """The status of a POST, or the exception's name when there was no reply."""
    try:
        return browser.request("POST", path, data)[0]
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__


def respond(base_url: str, prefix: str, token: str, probe: str, rng: random.Random) -> Outcome:
    """One respondent: GET the form, POST the answers (and a duplicate if probing)."""
    answers = {key: rng.choice(codes) for key, codes in ITEMS.items()}
    outcome = Outcome(token, answers, probe=probe)
    path = f"{prefix}{token}"
    browser = Browser(base_url)
    outcome.started = time.monotonic()
    try:
        status, page = browser.request("GET", path)
    except (OSError, http.client.HTTPException) as exc:
        outcome.get_status = type(exc).__name__
        outcome.finished = time.monotonic()
        return outcome
    outcome.get_status = status
    match = CSRF_RE.search(page)
    if status != 200 or match is None:
        outcome.finished = time.monotonic()
        return outcome
    data = {"csrf_token": match.group(1), "action": "submit"}
    data.update({f"item-{key}": str(code) for key, code in answers.items()})
    if probe == "race":
        twin = Browser(base_url, browser.cookies)
        barrier = threading.Barrier(2, timeout=REQUEST_TIMEOUT)
        twin_result: list = []

        def post_twin():
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            twin_result.append(_post(twin, path, data))

        thread = threading.Thread(target=post_twin, daemon=True)
        thread.start()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
    t_post = time.monotonic()
    outcome.post_status = _post(browser, path, data)
    outcome.finished = time.monotonic()
    outcome.post_latency = outcome.finished - t_post
    outcome.pair_latency = outcome.finished - outcome.started
    if probe == "race":
        thread.join(REQUEST_TIMEOUT + 5)
        outcome.extra_statuses.append(twin_result[0] if twin_result else "no reply")
        outcome.finished = time.monotonic()
    elif probe == "resend":
        outcome.extra_statuses.append(_post(browser, path, data))
        outcome.finished = time.monotonic()
    return outcome


def client_process(
    base_url: str,
    prefix: str,
    jobs: list[tuple[str, str]],
    threads: int,
    start_at: float,
    deadline: float,
    seed: int,
) -> tuple[list[Outcome], float]:
    """One client process: ``threads`` respondents at a time over its share of the tokens."""
    pending = list(reversed(jobs))
    lock = threading.Lock()
    results: list[Outcome] = []

    def worker(index: int):
        rng = random.Random(seed * 1000 + index)
        while True:
            with lock:
                if not pending:
                    return
                token, probe = pending.pop()
            if time.monotonic() > deadline:
                out = Outcome(token, {}, probe=probe)  # not attempted
            else:
                out = respond(base_url, prefix, token, probe, rng)
            with lock:
                results.append(out)

    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu_before = time.process_time()
    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(max(1.0, deadline - time.monotonic() + 3 * REQUEST_TIMEOUT))
    return results, time.process_time() - cpu_before


def drive(
    base_url: str,
    prefix: str,
    tokens: list[str],
    concurrency: int,
    processes: int,
    resend: float,
    race: float,
    time_limit: float,
    seed: int,
) -> tuple[list[Outcome], float]:
    """Run all tokens through ``concurrency`` clients spread over ``processes`` processes."""
    rng = random.Random(seed)
    probes = ["resend"] * round(len(tokens) * resend) + ["race"] * round(len(tokens) * race)
    probes += [""] * (len(tokens) - len(probes))
    rng.shuffle(probes)
    jobs = list(zip(tokens, probes, strict=True))
    processes = max(1, min(processes, concurrency))
    shares = [jobs[i::processes] for i in range(processes)]
    threads = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    start_at = time.monotonic() + 2.0  # CLOCK_MONOTONIC is system-wide on Linux
    deadline = start_at + time_limit
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = [
            pool.submit(
                client_process, base_url, prefix, shares[i], threads[i], start_at, deadline, i
            )
            for i in range(processes)
        ]
        results, cpu = [], 0.0
        for future in futures:
            outcomes, seconds = future.result(timeout=time_limit + 4 * REQUEST_TIMEOUT + 30)
            results.extend(outcomes)
            cpu += seconds
    return results, cpu


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    n: int
    concurrency: int
    workers: int
    attempted: int = 0
    accepted: int = 0
    rate: float = 0.0
    post_p50: float = 0.0
    post_p99: float = 0.0
    pair_p50: float = 0.0
    pair_p99: float = 0.0
    stored: int = 0
    used: int = 0
    answer_rows: int = 0
    lost: int = 0
    duplicated: int = 0
    bad_answers: int = 0
    probes_sent: int = 0
    probes_refused: int = 0
    span: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    problems: list[str] = field(default_factory=list)


def _refused_once(o: Outcome) -> bool:
    """A duplicate probe went right: one POST acknowledged with 303, the other refused with 409."""
    return sorted([o.post_status, *o.extra_statuses], key=str) == [303, 409]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def count_in_database(database_url: str, wave_key: str) -> tuple[int, int, int, Counter]:
    """Stored responses, used invitations, answer rows and (item, value) counts of a wave."""
    import psycopg

    with psycopg.connect(_plain_url(database_url), connect_timeout=10) as conn:
        (wave_id,) = conn.execute(
            "SELECT w.id FROM wave w JOIN questionnaire_version q "
            "ON q.id = w.questionnaire_version_id WHERE q.key = %s AND w.key = %s",
            (QUESTIONNAIRE, wave_key),
        ).fetchone()
        (stored,) = conn.execute(
            "SELECT count(*) FROM response WHERE wave_id = %s", (wave_id,)
        ).fetchone()
        (used,) = conn.execute(
            "SELECT count(*) FROM spent_link WHERE wave_id = %s", (wave_id,)
        ).fetchone()
        rows = conn.execute(
            "SELECT a.item_key, a.value, count(*) FROM answer a "
            "JOIN response r ON r.id = a.response_id WHERE r.wave_id = %s "
            "GROUP BY a.item_key, a.value",
            (wave_id,),
        ).fetchall()
    values = Counter({(key, value): n for key, value, n in rows})
    return stored, used, sum(values.values()), values


def summarise(
    label: str,
    outcomes: list[Outcome],
    args: argparse.Namespace,
    database_url: str,
    wave_key: str,
    log_path: Path,
    spans: list[float],
) -> Figures:
    """The figures of one side over all its rounds (``spans``: each round's wall time)."""
    fig = Figures(label, args.responses, args.concurrency, args.workers)
    attempted = [o for o in outcomes if o.started is not None]
    fig.attempted = len(attempted)
    fig.accepted = sum(1 for o in attempted if o.acks)
    fig.span = sum(spans)
    fig.rate = fig.accepted / fig.span if fig.span > 0 else float("nan")
    timed = [o for o in attempted if o.post_status == 303]  # a race's 409 side is not timed
    post = [o.post_latency * 1000 for o in timed]
    pair = [o.pair_latency * 1000 for o in timed]
    fig.post_p50, fig.post_p99 = percentile(post, 50), percentile(post, 99)
    fig.pair_p50, fig.pair_p99 = percentile(pair, 50), percentile(pair, 99)

    fig.stored, fig.used, fig.answer_rows, stored_values = count_in_database(database_url, wave_key)
    acked_twice = sum(o.acks - 1 for o in attempted if o.acks > 1)
    fig.lost = max(0, fig.accepted - fig.stored)
    fig.duplicated = max(fig.stored - fig.used, acked_twice, 0)
    expected_values = Counter()
    for o in attempted:
        if o.acks:
            expected_values.update(o.answers.items())
    fig.bad_answers = sum(
        abs(expected_values[k] - stored_values[k]) for k in expected_values | stored_values
    )

    probes = [o for o in attempted if o.probe]
    fig.probes_sent = len(probes)
    fig.probes_refused = sum(1 for o in probes if _refused_once(o))
    not_attempted = len(outcomes) - len(attempted)
    if not_attempted:
        fig.problems.append(f"{not_attempted} tokens not attempted (time limit)")
    gets = Counter(o.get_status for o in attempted if o.get_status != 200)
    if gets:
        fig.problems.append(f"GET statuses other than 200: {dict(gets)}")
    posts = Counter(
        o.post_status
        for o in attempted
        if o.post_status not in (303, None) and not (o.probe == "race" and _refused_once(o))
    )
    if posts:
        fig.problems.append(f"first POST statuses other than 303: {dict(posts)}")
    bad_probes = [o for o in probes if not _refused_once(o)]
    if bad_probes:
        shown = Counter((o.probe, o.post_status, *o.extra_statuses) for o in bad_probes)
        fig.problems.append(f"duplicate probes not (303, 409): {dict(shown)}")
    if fig.stored != fig.accepted or fig.used != fig.accepted:
        fig.problems.append(
            f"acknowledged {fig.accepted}, stored {fig.stored}, invitations used {fig.used}"
        )
    if fig.answer_rows != fig.stored * len(ITEMS):
        fig.problems.append(f"{fig.answer_rows} answer rows for {fig.stored} responses")
    lines = log_path.read_text(errors="replace").splitlines()
    markers = ("Traceback", "[ERROR]", "WORKER TIMEOUT", "OperationalError", "deadlock")
    found = Counter(m for line in lines for m in markers if m in line)
    if found:
        fig.problems.append(f"gunicorn log {log_path} (kept): {dict(found)}")
        tail = [line for line in lines if "Error" in line][-3:]
        fig.problems.extend("  " + line.strip()[:200] for line in tail)
    else:
        log_path.unlink(missing_ok=True)
    return fig


def print_report(
    app: Figures, ceiling: Figures, args: argparse.Namespace, seconds: float, ratios: list[float]
):
    columns = [
        ("", lambda f: f.label),
        ("N", lambda f: f"{f.n}"),
        ("conc", lambda f: f"{f.concurrency}"),
        ("workers", lambda f: f"{f.workers}"),
        ("resp/s", lambda f: f"{f.rate:.1f}"),
        ("POST p50", lambda f: f"{f.post_p50:.1f}"),
        ("POST p99", lambda f: f"{f.post_p99:.1f}"),
        ("pair p50", lambda f: f"{f.pair_p50:.1f}"),
        ("pair p99", lambda f: f"{f.pair_p99:.1f}"),
        ("accepted", lambda f: f"{f.accepted}"),
        ("stored", lambda f: f"{f.stored}"),
        ("lost", lambda f: f"{f.lost}"),
        ("dup", lambda f: f"{f.duplicated}"),
        ("bad ans", lambda f: f"{f.bad_answers}"),
        ("dup refused", lambda f: f"{f.probes_refused}/{f.probes_sent}"),
    ]
    rows = [[name for name, _ in columns]] + [
        [get(f) for _, get in columns] for f in (app, ceiling)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    print()
    print(
        f"Submitting {args.responses} responses to '{QUESTIONNAIRE}' over loopback, "
        f"{args.concurrency} concurrent clients in {args.client_processes} processes, "
        f"gunicorn -w {args.workers} (sync), PostgreSQL."
    )
    print("Latencies in ms over accepted submissions: POST = the submitting POST alone,")
    print("pair = GET form + POST. Ceiling: bare Flask POST storing the same rows in one")
    print("transaction, with a trivial GET (one SELECT, committed; dummy CSRF field), no CSRF")
    print(f"check. The database also holds a closed wave of {EARLIER_RESPONSES:,} responses.")
    print()
    for i, row in enumerate(rows):
        print(
            "  ".join(
                cell.rjust(widths[j]) if j else cell.ljust(widths[j]) for j, cell in enumerate(row)
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))
    ratio = app.rate / ceiling.rate if ceiling.rate else float("nan")
    print()
    print(
        f"app/ceiling throughput ratio: {ratio:.2f} (all rounds); per round: "
        + ", ".join(f"{r:.2f}" for r in ratios)
    )
    print(
        f"app/ceiling POST p50 ratio: {app.post_p50 / ceiling.post_p50:.2f}, "
        f"p99 ratio: {app.post_p99 / ceiling.post_p99:.2f}"
    )
    print(
        f"duplicate probes: {args.resend:.0%} resent after acceptance, {args.race:.0%} posted "
        "twice at once; 'dup refused' counts probes with exactly one 303 and one 409"
    )
    for fig in (app, ceiling):
        per_response = 1000 / max(fig.accepted, 1)
        print(
            f"{fig.label}: {fig.span:.1f} s wall over its rounds; CPU {fig.server_cpu:.1f} s "
            f"in gunicorn ({fig.server_cpu * per_response:.1f} ms per response), "
            f"{fig.database_cpu:.1f} s in PostgreSQL ({fig.database_cpu * per_response:.1f} ms), "
            f"{fig.client_cpu:.1f} s in the clients, on {os.cpu_count()} cores"
        )
    for fig in (app, ceiling):
        for problem in fig.problems:
            print(f"[{fig.label}] {problem}")
    print(f"total run time {seconds:.0f} s")
    print(
        f"figure: submit_ratio_to_ceiling={ratio:.2f} p99_ms={app.post_p99:.0f} "
        f"lost={app.lost} duplicated={app.duplicated}"
    )


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=2000, help="N submissions per side")
    parser.add_argument("--concurrency", type=int, default=16, help="C concurrent clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per side")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--resend", type=float, default=0.05, help="fraction resent after 303")
    parser.add_argument("--race", type=float, default=0.02, help="fraction posted twice at once")
    parser.add_argument("--time-limit", type=float, default=180.0, help="s per round of a side")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--rounds", type=int, default=4, help="the sides take turns, each over N/rounds tokens"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.responses <= 100_000 or args.concurrency < 1 or args.workers < 1:
        parser.error("need 1 <= responses <= 100000, concurrency >= 1, workers >= 1")
    if not 1 <= args.rounds <= args.responses:
        parser.error("need 1 <= rounds <= responses")
    if args.resend < 0 or args.race < 0 or args.resend + args.race > 1:
        parser.error("resend and race are fractions summing to at most 1")
    return args


def round_span(outcomes: list[Outcome]) -> float:
    """Wall time of one round: from its first request to its last answer."""
    attempted = [o for o in outcomes if o.started is not None]
    if not attempted:
        return 0.0
    return max(o.finished for o in attempted) - min(o.started for o in attempted)


@dataclass
class Side:
    """One side of the comparison (the app or the ceiling) while its server runs."""

    label: str
    server: Gunicorn
    prefix: str
    tokens: list[str]
    wave_key: str
    outcomes: list[Outcome] = field(default_factory=list)
    spans: list[float] = field(default_factory=list)
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0


def drive_rounds(sides: list[Side], args: argparse.Namespace) -> list[float]:
    """Drive the sides in turn, ``args.rounds`` times each over a share of their tokens, so
    that a change in the machine's speed during the run (shared, virtual cores) falls on both
    alike; returns each round's throughput ratio of the first side to the second."""
    ratios = []
    for number in range(args.rounds):
        rates = []
        for offset, side in enumerate(sides):
            share = side.tokens[number :: args.rounds]
            before, database_before = side.server.cpu_seconds(), postgres_cpu_seconds()
            outcomes, client_cpu = drive(
                side.server.base_url, side.prefix, share, args.concurrency,
                args.client_processes, args.resend, args.race, args.time_limit,
                args.seed + 100 * number + offset,
            )  # fmt: skip
            side.server_cpu += side.server.cpu_seconds() - before
            side.database_cpu += postgres_cpu_seconds() - database_before
            side.client_cpu += client_cpu
            side.outcomes.extend(outcomes)
            side.spans.append(round_span(outcomes))
            accepted = sum(1 for o in outcomes if o.acks)
            rates.append(accepted / side.spans[-1] if side.spans[-1] else float("nan"))
        ratios.append(rates[0] / rates[1] if rates[1] else float("nan"))
        shown = [f"{side.label} {rate:.1f}" for side, rate in zip(sides, rates, strict=True)]
        print(f"round {number + 1}: responses/s " + ", ".join(shown), flush=True)
    return ratios


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    env = app_env(args.database_url, secret)
    print(f"setting up {args.database_url} ...", flush=True)
    app_tokens, ceiling_tokens = set_up(args.database_url, env, args.responses)
    app_spec = "wsgi:app" if (ROOT / "wsgi.py").exists() else "survey_app:create_app()"
    ceiling_env = dict(env, **{CEILING_URL_ENV: args.database_url})
    here = Path(__file__).resolve().parent
    with contextlib.ExitStack() as servers:
        app_server = servers.enter_context(Gunicorn(app_spec, args.workers, env, ROOT))
        ceiling_server = servers.enter_context(
            Gunicorn("submit:ceiling_app()", args.workers, ceiling_env, here)
        )
        sides = [
            Side("app", app_server, "/s/", app_tokens, APP_WAVE),
            Side("ceiling", ceiling_server, "/c/", ceiling_tokens, CEILING_WAVE),
        ]
        print(
            f"app: {app_spec} on {app_server.base_url}; ceiling: submit:ceiling_app() on "
            f"{ceiling_server.base_url}; {args.rounds} rounds, the app first in each ...",
            flush=True,
        )
        ratios = drive_rounds(sides, args)
    figures = []
    for side in sides:
        fig = summarise(
            side.label, side.outcomes, args, args.database_url, side.wave_key,
            side.server.log_path, side.spans,
        )  # fmt: skip
        fig.client_cpu, fig.server_cpu = side.client_cpu, side.server_cpu
        fig.database_cpu = side.database_cpu
        figures.append(fig)
    print_report(*figures, args, time.monotonic() - began, ratios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
