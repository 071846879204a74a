"""Benchmark: the wave comparison page and the long CSV with a million answers in PostgreSQL.

What it measures
----------------
The script (re)creates a dedicated PostgreSQL database (default ``survey_dashbench``; its name
must contain "bench", as it is dropped at the start), sets it up with the ``survey-app`` CLI
(``init-db``, ``load-questionnaires``, ``create-user``) and fills it in SQL with
``INSERT ... SELECT generate_series``: ``--answers N`` answers (default 1,000,000) to the two
items of ``ledighedsydelse`` v1, i.e. N/2 responses, alternating between the waves
``jan-2019`` and ``sommer-2020`` and spread over the 20 trial municipalities, with about 7 %
"ved ikke". Then, in the same run:

1. **Comparison page**: ``GET /dashboard/compare/ledighedsydelse/jan-2019/sommer-2020``
   through Flask's test client, signed in as an evaluator (all municipalities, so the
   heaviest page), ``--repeat`` times; the median wall time, and the peak Python memory of
   one more request under ``tracemalloc``.
2. **Long CSV through the app**: ``GET /export/ledighedsydelse.csv`` (all waves and
   municipalities) read chunk by chunk as it streams, not kept; time, bytes, rows and the
   ``tracemalloc`` peak. Skipped (and said so) if the export route is not registered.
3. **Long CSV through the CLI**: ``survey-app export --questionnaire ledighedsydelse
   --output /dev/null`` in a subprocess; wall time (with interpreter start-up) and the
   child's peak RSS (its VmHWM at exit).
4. **The floor**: ``COPY (SELECT ...) TO STDOUT (FORMAT csv, HEADER)`` through psycopg of the
   same rows and columns (labels joined from the questionnaire's scale), in the same order,
   read chunk by chunk; time, bytes and the ``tracemalloc`` peak.

How to run
----------
PostgreSQL must answer on the URL's host (trust or password in the URL)::

    .venv/bin/python benchmarks/dashboard.py                   # 1,000,000 answers
    .venv/bin/python benchmarks/dashboard.py --answers 100000 --repeat 5 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/survey_dashbench

The database is left in place for inspection and dropped at the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/survey_dashbench"
QUESTIONNAIRE = "ledighedsydelse"
WAVES = ("jan-2019", "sommer-2020")
PAGE = f"/dashboard/compare/{QUESTIONNAIRE}/{WAVES[0]}/{WAVES[1]}"
EXPORT = f"/export/{QUESTIONNAIRE}.csv"
EVALUATOR = "bench-evaluator@example.dk"
PASSWORD = "benchmark password 123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def libpq_url(url: str, database: str | None = None) -> str:
    """The SQLAlchemy URL as psycopg takes it, optionally for another database."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    if database is not None:
        parts = parts._replace(path="/" + database)
    return urlunsplit(parts)


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name or not re.fullmatch(r"[a-z0-9_]+", name):
        sys.exit(f"refusing database '{name}': the name must contain 'bench' (it is dropped)")
    with psycopg.connect(libpq_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def cli_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SURVEY_APP_ENV="development",
        SURVEY_APP_SECRET_KEY="x",
        SURVEY_APP_DATABASE_URL=url,
        SURVEY_APP_LOGIN_FAILURE_LIMIT="1000 per minute",
    )
    return env


def survey_app(url: str, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "survey-app"), *args],
        env=cli_env(url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    if result.returncode != 0:
        sys.exit(f"survey-app {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fill(url: str, answers: int) -> dict[str, int]:
    """N/2 responses with two answers each, in SQL; returns counts and the scale for COPY."""
    import psycopg

    with psycopg.connect(libpq_url(url)) as connection:
        version_id, definition = connection.execute(
            "SELECT id, definition FROM questionnaire_version WHERE key = %s AND version = 1",
            (QUESTIONNAIRE,),
        ).fetchone()
        waves = [
            connection.execute(
                "SELECT id FROM wave WHERE questionnaire_version_id = %s AND key = %s",
                (version_id, key),
            ).fetchone()[0]
            for key in WAVES
        ]
        places = [r[0] for r in connection.execute("SELECT id FROM municipality ORDER BY id")]
        definition = json.loads(definition)
        items = [
            (position, item["key"], scale_size(definition, item["scale"]))
            for position, item in enumerate(definition["items"], start=1)
        ]
        responses = answers // len(items)
        connection.execute(
            """
            INSERT INTO response (id, questionnaire_version_id, wave_id, municipality_id,
                                  submitted_at, is_demo)
            SELECT md5('bench' || g)::uuid::text, %(version)s,
                   CASE WHEN g %% 2 = 0 THEN %(wave_a)s ELSE %(wave_b)s END,
                   (%(places)s::int[])[1 + (g / 2) %% cardinality(%(places)s::int[])],
                   w.opens_at::date + ((g / 2) %% 20),
                   false
            FROM generate_series(1, %(n)s) AS g
            JOIN wave AS w ON w.id = CASE WHEN g %% 2 = 0 THEN %(wave_a)s ELSE %(wave_b)s END
            """,
            {"version": version_id, "wave_a": waves[0], "wave_b": waves[1],
             "places": places, "n": responses},
        )  # fmt: skip
        for position, key, size in items:
            connection.execute(
                """
                INSERT INTO answer (response_id, item_key, position, value, missing)
                SELECT id, %(key)s, %(position)s,
                       CASE WHEN draw < %(size)s THEN draw + 1 END,
                       CASE WHEN draw >= %(size)s THEN 'ved_ikke' END
                FROM (SELECT id, floor(random() * (%(size)s + 0.4))::int AS draw
                      FROM response WHERE questionnaire_version_id = %(version)s) AS r
                """,
                {"key": key, "position": position, "size": size, "version": version_id},
            )
        connection.commit()
        connection.execute("ANALYZE")
        stored = connection.execute("SELECT count(*) FROM answer").fetchone()[0]
    return {"responses": responses, "answers": stored, "municipalities": len(places)}


def scale_size(definition: dict, scale_key: str) -> int:
    return len(next(s for s in definition["scales"] if s["key"] == scale_key)["options"])


def copy_query(url: str) -> str:
    """The long CSV's rows and columns in SQL, labels joined from the scales, same order.

    Empty cells are NULLs, which COPY writes as nothing, as the app's CSV does (an empty
    string would be written as ``""``).
    """
    import psycopg

    with psycopg.connect(libpq_url(url)) as connection:
        (definition,) = connection.execute(
            "SELECT definition FROM questionnaire_version WHERE key = %s AND version = 1",
            (QUESTIONNAIRE,),
        ).fetchone()
    definition = json.loads(definition)
    labels = []
    for item in definition["items"]:
        scale = next(s for s in definition["scales"] if s["key"] == item["scale"])
        for option in scale["options"]:
            labels.append((item["key"], str(option["code"]), option["label"]["da"]))
        if scale.get("non_substantive"):
            labels.append((item["key"], "ved_ikke", scale["non_substantive"]["label"]["da"]))
    values = ", ".join(
        "(" + ", ".join("'" + part.replace("'", "''") + "'" for part in row) + ")" for row in labels
    )
    return f"""
        COPY (
          SELECT a.response_id, r.respondent_key, q.key AS questionnaire, q.version,
                 w.key AS wave, m.name AS municipality, a.item_key AS item, a.value,
                 l.label, a.missing,
                 CASE WHEN q.anonymous THEN to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
                      ELSE to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                 END AS answered_at
          FROM answer a
          JOIN response r ON r.id = a.response_id
          JOIN questionnaire_version q ON q.id = r.questionnaire_version_id
          JOIN municipality m ON m.id = r.municipality_id
          LEFT JOIN wave w ON w.id = r.wave_id
          LEFT JOIN (VALUES {values}) AS l(item, code, label)
            ON l.item = a.item_key AND l.code = coalesce(a.value::text, a.missing)
          WHERE q.key = '{QUESTIONNAIRE}'
          ORDER BY q.key, q.version, r.submitted_at, r.id, a.position
        ) TO STDOUT WITH (FORMAT csv, HEADER)
    """


def traced(function):
    """Run ``function``; return (its result, seconds, peak traced Python memory in bytes)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    try:
        result = function()
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, peak


def signed_in_client(app):
    client = app.test_client()
    page = client.get("/login")
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    reply = client.post(
        "/login", data={"email": EVALUATOR, "password": PASSWORD, "csrf_token": token}
    )
    if reply.status_code != 302:
        sys.exit(f"sign-in failed: {reply.status_code}")
    return client


def get_page(client) -> int:
    response = client.get(PAGE)
    body = response.get_data()
    response.close()
    if response.status_code != 200:
        sys.exit(f"{PAGE}: {response.status_code}")
    return len(body)


def stream_export(client) -> tuple[int, int]:
    """Read the streamed CSV chunk by chunk without keeping it: (bytes, data rows)."""
    response = client.get(EXPORT, buffered=False)
    if response.status_code != 200:
        sys.exit(f"{EXPORT}: {response.status_code}")
    size = lines = 0
    for chunk in response.response:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        size += len(data)
        lines += data.count(b"\n")
    response.close()
    return size, lines - 1


def copy_out(url: str, query: str) -> tuple[int, int]:
    import psycopg

    size = lines = 0
    with (
        psycopg.connect(libpq_url(url)) as connection,
        connection.cursor() as cursor,
        cursor.copy(query) as copy,
    ):
        for data in copy:
            size += len(data)
            lines += bytes(data).count(b"\n")
    return size, lines - 1


CLI_WITH_PEAK = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK_RSS_KB " + line.split()[1] + "\\n")
atexit.register(peak)
from survey_app.cli import main
main(sys.argv[1:])
"""


def cli_export(url: str) -> tuple[float, int]:
    """``survey-app export`` to /dev/null: (seconds, the child's peak RSS in bytes).

    The peak is the child's own VmHWM at exit: ``ru_maxrss`` of a child would include the
    parent's pages it was forked from.
    """
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CLI_WITH_PEAK, "export", "--questionnaire", QUESTIONNAIRE,
         "--output", os.devnull],
        env=cli_env(url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, timeout=900,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    found = re.search(r"PEAK_RSS_KB (\d+)", result.stderr)
    if result.returncode != 0 or not found:
        sys.exit(f"survey-app export failed: {result.stderr}")
    return seconds, int(found.group(1)) * 1024


def mb(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="page renderings (median)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    url = args.database_url
    started = time.perf_counter()

    recreate_database(url)
    survey_app(url, "init-db")
    survey_app(url, "load-questionnaires")
    survey_app(url, "create-user", EVALUATOR, "--role", "evaluator", "--password-stdin",
               stdin=PASSWORD + "\n")  # fmt: skip
    fill_start = time.perf_counter()
    counts = fill(url, args.answers)
    fill_seconds = time.perf_counter() - fill_start
    print(
        f"database {urlsplit(url).path.lstrip('/')}: {counts['answers']:,} answers in "
        f"{counts['responses']:,} responses, {len(WAVES)} waves, {counts['municipalities']} "
        f"municipalities (filled in {fill_seconds:.1f} s)",
        flush=True,
    )

    os.environ.update(cli_env(url))
    sys.path.insert(0, str(ROOT))
    from survey_app import create_app

    app = create_app({"ENV_NAME": "development", "SECRET_KEY": "x", "DATABASE_URL": url})
    from survey_app.answer_counts import rebuild
    from survey_app.db import get_session

    with app.app_context():  # the answers went in by SQL: count them as migration 0006 does
        session = get_session()
        rebuild(session)
        session.commit()
    client = signed_in_client(app)
    rows = []

    get_page(client)  # warm-up: templates, plotly figure code, definition cache
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        page_bytes = get_page(client)
        times.append(time.perf_counter() - start)
    _, _, page_peak = traced(lambda: get_page(client))
    rows.append(
        (f"comparison page (median of {args.repeat})", statistics.median(times),
         "-", mb(page_bytes), mb(page_peak) + " (tracemalloc)")
    )  # fmt: skip
    print(f"  page times: {', '.join(f'{t:.3f} s' for t in times)}", flush=True)

    if any(rule.rule == "/export/<name>" for rule in app.url_map.iter_rules()):
        # Timed without tracemalloc (it slows Python-heavy code a lot), then traced apart.
        start = time.perf_counter()
        size, lines = stream_export(client)
        seconds = time.perf_counter() - start
        _, traced_seconds, peak = traced(lambda: stream_export(client))
        print(f"  export under tracemalloc: {traced_seconds:.1f} s", flush=True)
        rows.append(
            ("long CSV, GET /export/...csv (streamed)", seconds, f"{lines:,}", mb(size),
             mb(peak) + " (tracemalloc)")
        )  # fmt: skip
        csv_rows = lines
    else:
        rows.append(("long CSV, GET /export/...csv", None, "route not registered", "-", "-"))
        csv_rows = None

    seconds, rss = cli_export(url)
    rows.append(("long CSV, survey-app export", seconds, "-", "-", mb(rss) + " (child RSS)"))

    query = copy_query(url)
    start = time.perf_counter()
    size, lines = copy_out(url, query)
    seconds = time.perf_counter() - start
    _, _, peak = traced(lambda: copy_out(url, query))
    rows.append(
        ("COPY (SELECT same rows) TO STDOUT", seconds, f"{lines:,}", mb(size),
         mb(peak) + " (tracemalloc)")
    )  # fmt: skip

    print()
    header = ("what", "time", "rows", "size", "peak memory")
    widths = [max(len(str(r[i])) if i != 1 else 10 for r in [header, *rows]) for i in range(5)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for name, seconds, lines, size, peak in rows:
        shown = "-" if seconds is None else f"{seconds:.3f} s"
        cells = (name, shown, lines, size, peak)
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)))
    copy_seconds = rows[-1][1]
    for name, seconds, *_ in rows[1:-1]:
        if seconds:
            print(f"{name}: {seconds / copy_seconds:.1f}x the COPY time")
    if csv_rows is not None and csv_rows != counts["answers"]:
        print(f"WARNING: the CSV has {csv_rows:,} rows for {counts['answers']:,} answers")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the whole run's peak
    print(f"benchmark process peak RSS {mb(own)}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
