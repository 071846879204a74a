"""Fault benchmark: submissions through the deployed stack while gunicorn workers are killed.

What it does
------------
Starts the stack of ``deploy/localstack.py`` (nginx with TLS, round-robin over two gunicorn
instances of 2 workers each, ``SURVEY_APP_ENV=production``, PostgreSQL, Redis) on a dedicated
database (default ``survey_faults_bench``; its name must contain "bench", as it is dropped at
the start), creates an open wave of ``ledighedsydelse`` and N invitations with the CLI, and
has C concurrent clients answer them over HTTPS: per token GET ``/s/<token>`` for the form,
then POST both answers, as a browser does (with the origin as Referer). Meanwhile a killer
thread sends SIGKILL to a random gunicorn worker every few seconds; the masters start new ones.

A request that fails (connection error or 5xx, e.g. nginx's 502 when its worker died) is sent
again, as a person would press the button again, up to ``--retries`` times: a GET fetches the
form anew, a POST is resent with the same form. A resent POST answered 409 means an earlier
attempt was stored and its reply lost.

What it prints
--------------
acknowledged: tokens whose submission was confirmed (303, or 409 on a resend).
stored: responses in the database for the wave.
lost: acknowledged tokens whose link has no used-mark, plus acknowledged responses
missing by count (anonymous responses keep no link to their invitation).
duplicated: stored responses beyond one per used invitation, plus tokens answered 303 twice.
Also: kills, resends, requests that failed, tokens given up on, and whether any log of the
stack holds a token. Lost and duplicated must be 0.

How to run
----------
PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379, nginx and openssl installed::

    .venv/bin/python benchmarks/faults.py            # N=2000, C=50, a kill every 3 s
    .venv/bin/python benchmarks/faults.py --responses 500 --kill-every 2 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/survey_faults_bench
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from submit import (  # noqa: E402
    CSRF_RE,
    ITEMS,
    QUESTIONNAIRE,
    _plain_url,
    count_in_database,
    recreate_database,
)
from submit import invite as invite_tokens  # noqa: E402

from deploy.localstack import LocalStack  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/survey_faults_bench"
WAVE = "faults"
REQUEST_TIMEOUT = 30.0
RETRY_PAUSE = 0.5


@dataclass
class Outcome:
    """What happened to one token."""

    token: str
    confirmed_by: int | None = None  # 303, or 409 on a resend; None if never confirmed
    acks_303: int = 0
    resends: int = 0
    failures: int = 0
    last_status: int | str = "not sent"  # of the last request: a status or "no reply"


def _send(session, method: str, url: str, certificate: str, **kwargs):
    """One request trusting ``certificate``; the response, or None if the connection failed."""
    import requests

    try:
        # verify per request: a session's verify loses to REQUESTS_CA_BUNDLE in the environment
        return session.request(
            method,
            url,
            verify=certificate,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
            **kwargs,
        )
    except requests.RequestException:
        return None


def respond(base_url: str, certificate: str, token: str, retries: int, rng: random.Random):
    """One respondent: fetch the form, submit it, and resend what fails as a person would."""
    import requests

    outcome = Outcome(token)
    url = f"{base_url}/s/{token}"
    data = {f"item-{key}": str(rng.choice(codes)) for key, codes in ITEMS.items()}
    data["action"] = "submit"
    with requests.Session() as session:
        for _ in range(retries + 1):
            page = _send(session, "GET", url, certificate)
            outcome.last_status = page.status_code if page is not None else "no reply"
            match = CSRF_RE.search(page.text) if page is not None and page.ok else None
            if match is not None:
                break
            outcome.failures += 1
            time.sleep(RETRY_PAUSE)
        else:
            return outcome
        data["csrf_token"] = match.group(1)
        for attempt in range(retries + 1):
            outcome.resends += attempt > 0
            referer = {"Referer": base_url + "/"}
            reply = _send(session, "POST", url, certificate, data=data, headers=referer)
            status = reply.status_code if reply is not None else None
            outcome.last_status = status or "no reply"
            if status == 303:
                outcome.acks_303 += 1
                outcome.confirmed_by = 303
                return outcome
            if status == 409 and attempt > 0:
                outcome.confirmed_by = 409
                return outcome
            outcome.failures += 1
            if status is not None and status < 500:
                return outcome  # refused for good (e.g. 400): not a fault of the stack
            time.sleep(RETRY_PAUSE)
    return outcome


def kill_workers(stack: LocalStack, every: float, stop: threading.Event, rng: random.Random):
    """SIGKILL a random gunicorn worker every ``every`` seconds until ``stop``; the count."""
    kills = 0
    while not stop.wait(every):
        workers = stack.worker_pids()
        if workers:
            try:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
    return kills


def spent_seals(database_url: str) -> set[str]:
    """The seals of the wave's used links (a used link is known only by its seal)."""
    import psycopg

    with psycopg.connect(_plain_url(database_url), connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT s.seal FROM spent_link s JOIN wave w ON w.id = s.wave_id WHERE w.key = %s",
            (WAVE,),
        )
        return {seal for (seal,) in rows}


def seal_of(stack: LocalStack, token: str) -> str:
    """The seal the stack keeps a link's used-mark under (its seal key is derived)."""
    from survey_app.answering.links import link_seal
    from survey_app.config import derived_seal_key

    key = stack.env.get("SURVEY_APP_SEAL_KEY") or derived_seal_key(
        stack.env["SURVEY_APP_SECRET_KEY"]
    )
    return link_seal(key, hashlib.sha256(token.encode()).hexdigest())


def set_up(stack: LocalStack, n: int) -> list[str]:
    """Schema, questionnaires, an open wave and ``n`` invitations; their tokens."""
    stack.cli("init-db")
    stack.cli("load-questionnaires")
    now = datetime.now(UTC)
    stack.cli(
        "create-wave", "--questionnaire", QUESTIONNAIRE, "--wave", WAVE, "--title", "Faults",
        "--opens", (now - timedelta(days=1)).isoformat(),
        "--closes", (now + timedelta(days=1)).isoformat(),
    )  # fmt: skip
    return invite_tokens(stack.env, WAVE, n)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=2000, help="N submissions")
    parser.add_argument("--concurrency", type=int, default=50, help="C concurrent clients")
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--retries", type=int, default=5, help="resends of a failed request")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--seed", type=int, default=9)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 if anything was lost or duplicated."""
    args = parse_args(argv)
    began = time.monotonic()
    recreate_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="faults-stack-"))
    extra = {"SURVEY_APP_TOKEN_GUESS_LIMIT": "1000000 per minute"}
    with LocalStack(args.database_url, args.redis_url, workdir, extra_env=extra) as stack:
        print(f"stack on {stack.base_url} (logs in {stack.logs}); setting up ...", flush=True)
        tokens = set_up(stack, args.responses)
        stop = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency + 1) as pool:
            killer = pool.submit(kill_workers, stack, args.kill_every, stop, random.Random(1))
            started = time.monotonic()
            try:
                futures = [
                    pool.submit(
                        respond, stack.base_url, str(stack.certificate), token, args.retries,
                        random.Random(args.seed * 100_000 + i),
                    )
                    for i, token in enumerate(tokens)
                ]  # fmt: skip
                outcomes = [f.result() for f in futures]
                span = time.monotonic() - started
            finally:
                stop.set()
            kills = killer.result()
        logs = stack.log_files()
        seals = {token: seal_of(stack, token) for token in tokens}
    stored, used_count, answer_rows, _values = count_in_database(args.database_url, WAVE)
    used = spent_seals(args.database_url)

    acknowledged = [o for o in outcomes if o.confirmed_by is not None]
    by_409 = sum(1 for o in acknowledged if o.confirmed_by == 409)
    unused_acked = sum(1 for o in acknowledged if seals[o.token] not in used)
    lost = max(unused_acked, len(acknowledged) - stored)
    duplicated = max(stored - used_count, 0) + sum(1 for o in outcomes if o.acks_303 > 1)
    leaked = [name for name, text in logs.items() if any(t in text for t in tokens)]
    print()
    print(
        f"{args.responses} submissions over HTTPS through nginx to 2 gunicorn instances x 2 "
        f"workers, {args.concurrency} concurrent clients, a worker SIGKILLed every "
        f"{args.kill_every:g} s ({kills} kills) on {os.cpu_count()} cores"
    )
    print(f"acknowledged  {len(acknowledged)}  ({by_409} of them by 409 on a resend)")
    print(f"stored        {stored}  ({answer_rows} answer rows for {len(ITEMS)} items each)")
    print(f"lost          {lost}")
    print(f"duplicated    {duplicated}")
    print(
        f"resent POSTs {sum(o.resends for o in outcomes)}, failed requests "
        f"{sum(o.failures for o in outcomes)}, tokens given up on "
        f"{len(outcomes) - len(acknowledged)}, {len(acknowledged) / span:.1f} responses/s"
    )
    given_up = Counter(o.last_status for o in outcomes if o.confirmed_by is None)
    if given_up:
        print(f"last status of the tokens given up on: {dict(given_up)}")
    print(f"logs holding a token: {', '.join(leaked) if leaked else 'none'}")
    print(f"total run time {time.monotonic() - began:.0f} s")
    return 1 if lost or duplicated or leaked else 0


if __name__ == "__main__":
    sys.exit(main())
