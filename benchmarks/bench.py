"""All benchmarks in one run, ending with the figure lines a script reads (``make bench``).

1. A PostgreSQL database (default ``survey_allbench``, dropped and made anew) filled as
   ``benchmarks/dashboard.py`` fills it: ``--answers`` N answers to ``ledighedsydelse`` in two
   waves over the 20 municipalities, plus citizens' answers to the repeated ``en-plan`` (N/10,
   two occasions per citizen) for the progression page; the count table recounted after the
   SQL fill (what migration 0006 does).
2. Comparison page and progression page, signed in as evaluator (all municipalities):
   ``--repeat`` requests each through Flask's test client after one warm-up; p95 wall time
   of requests computed afresh (the result cache emptied before each, as after every new
   submission: the figure) and of requests answered from the cache; for the progression
   page also with the per-process statistics of every group emptied (as in a new worker;
   after a submission only its citizen's groups are computed anew).
3. Page weight of the comparison page's first load: the HTML as sent (pages are never
   compressed, BREACH) plus every script and style sheet it loads as it arrives compressed
   (plotly.js from the app, gzipped; /static/ files gzipped by nginx above 1 KB).
4. Long CSV: through the app (streamed, read chunk by chunk) and ``survey-app export`` in a
   subprocess (its peak RSS), against ``COPY (SELECT same rows) TO STDOUT`` of the same rows;
   the ratio is the COPY time over the slower of the two.
5. ``benchmarks/submit.py`` at 64 concurrent clients, 4,000 responses a side in four rounds
   taken in turns (its own database, ``survey_bench``).

Run: ``make bench`` (1,000,000 answers) or ``make bench BENCH_ANSWERS=10000000``.
"""

from __future__ import annotations

import argparse
import gzip
import math
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboard as d  # noqa: E402 - the dashboard benchmark's set-up and measurements

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/survey_allbench"
PROGRESSION = "/dashboard/progression/en-plan"
ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+href)="([^"]+)"')


def fill_citizens(url: str, answers: int) -> int:
    """Citizens answering ``en-plan`` twice (N/10 answers in all); returns the answers added."""
    import psycopg

    with psycopg.connect(d.libpq_url(url)) as connection:
        version_id, definition = connection.execute(
            "SELECT id, definition FROM questionnaire_version WHERE key = 'en-plan'"
        ).fetchone()
        items = d.json.loads(definition)["items"]
        place_ids = [r[0] for r in connection.execute("SELECT id FROM municipality ORDER BY id")]
        occasions = max(answers // 10 // len(items), 2)
        connection.execute(
            """
            INSERT INTO response (id, questionnaire_version_id, municipality_id, respondent_key,
                                  submitted_at, is_demo)
            SELECT md5('citizen' || g)::uuid::text, %(version)s,
                   (%(places)s::int[])[1 + (g / 2) %% cardinality(%(places)s::int[])],
                   'borger-' || (g / 2), timestamp '2024-01-01' + (g %% 2) * interval '90 days',
                   false
            FROM generate_series(0, %(n)s - 1) AS g
            """,
            {"version": version_id, "places": place_ids, "n": occasions},
        )
        for position, item in enumerate(items, start=1):
            connection.execute(
                """
                INSERT INTO answer (response_id, item_key, position, value, missing)
                SELECT id, %(key)s, %(position)s, 1 + floor(random() * 5)::int, NULL
                FROM response WHERE questionnaire_version_id = %(version)s
                """,
                {"key": item["key"], "position": position, "version": version_id},
            )
        connection.commit()
        connection.execute("ANALYZE")
    return occasions * len(items)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def page_p95(client, path: str, repeat: int, forget) -> tuple[float, float, int]:
    """p95 wall time (ms) of ``repeat`` requests after a warm-up, computed afresh (the result
    cache emptied by ``forget`` before each, as right after a new submission) and from the
    cache; and the page's bytes."""
    client.get(path)
    cold, warm = [], []
    for _ in range(repeat):
        for times in (cold, warm):
            if times is cold:
                forget()
            start = time.perf_counter()
            reply = client.get(path)
            body = reply.get_data()
            times.append(time.perf_counter() - start)
            if reply.status_code != 200:
                sys.exit(f"{path}: {reply.status_code}")
    return p95(cold) * 1000, p95(warm) * 1000, len(body)


def first_load_bytes(client) -> int:
    """The comparison page's HTML plus its scripts and style sheets as they arrive."""
    html = client.get(d.PAGE).get_data()
    total = len(html)
    for url in sorted(set(ASSET.findall(html.decode()))):
        reply = client.get(url, headers={"Accept-Encoding": "gzip"})
        body = reply.get_data()
        if reply.headers.get("Content-Encoding") == "gzip" or len(body) < 1024:
            total += len(body)
        else:  # /static/ files: nginx compresses them (deploy/nginx-site.conf)
            total += len(gzip.compress(body, 6))
        print(f"  {url}: {len(body):,} bytes as served by the app", flush=True)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--submit-responses", type=int, default=4000)
    parser.add_argument("--submit-database-url", default=None)
    args = parser.parse_args()
    url = args.database_url
    d.recreate_database(url)
    d.survey_app(url, "init-db")
    d.survey_app(url, "load-questionnaires")
    d.survey_app(url, "create-user", d.EVALUATOR, "--role", "evaluator", "--password-stdin",
                 stdin=d.PASSWORD + "\n")  # fmt: skip
    counts = d.fill(url, args.answers)
    citizen_answers = fill_citizens(url, args.answers)
    total = counts["answers"] + citizen_answers
    d.os.environ.update(d.cli_env(url))
    sys.path.insert(0, str(d.ROOT))
    from analysis.progression import forget_statistics
    from survey_app import create_app
    from survey_app.answer_counts import rebuild
    from survey_app.dashboards.memo import forget_all
    from survey_app.db import get_session

    app = create_app({"ENV_NAME": "development", "SECRET_KEY": "x", "DATABASE_URL": url})
    with app.app_context():
        session = get_session()
        rows = rebuild(session)
        session.commit()
    print(f"{total:,} answers ({citizen_answers:,} of citizens), {rows} count rows", flush=True)

    client = d.signed_in_client(app)
    compare_ms, compare_warm_ms, compare_bytes = page_p95(client, d.PAGE, args.repeat, forget_all)
    progression_ms, progression_warm_ms, _ = page_p95(client, PROGRESSION, args.repeat, forget_all)

    def forget_everything():
        forget_all()
        forget_statistics()

    progression_cold_ms, _, _ = page_p95(client, PROGRESSION, args.repeat, forget_everything)
    print(
        f"comparison page p95 {compare_ms:.0f} ms computed afresh, {compare_warm_ms:.0f} ms "
        f"from the result cache ({compare_bytes:,} bytes of HTML)"
    )
    print(
        f"progression page p95 {progression_ms:.0f} ms computed afresh, "
        f"{progression_warm_ms:.0f} ms from the result cache, {progression_cold_ms:.0f} ms "
        "with every group's statistics computed anew too (as in a new worker)",
        flush=True,
    )
    first_load = first_load_bytes(client)

    start = time.perf_counter()
    size, lines = d.stream_export(client)
    app_seconds = time.perf_counter() - start
    cli_seconds, cli_rss = d.cli_export(url)
    query = d.copy_query(url)
    start = time.perf_counter()
    copy_size, copy_lines = d.copy_out(url, query)
    copy_seconds = time.perf_counter() - start
    print(
        f"long CSV: app {app_seconds:.2f} s ({lines:,} rows, {size:,} bytes), "
        f"survey-app export {cli_seconds:.2f} s (peak RSS {cli_rss / 1e6:.0f} MB), "
        f"COPY {copy_seconds:.2f} s ({copy_lines:,} rows, {copy_size:,} bytes)",
        flush=True,
    )
    ratio = copy_seconds / max(app_seconds, cli_seconds)

    command = [sys.executable, str(d.ROOT / "benchmarks" / "submit.py"), "--concurrency", "64",
               "--responses", str(args.submit_responses)]  # fmt: skip
    if args.submit_database_url:
        command += ["--database-url", args.submit_database_url]
    submitted = subprocess.run(command, capture_output=True, text=True, cwd=d.ROOT, timeout=900)
    print(submitted.stdout[-3000:], submitted.stderr[-2000:], flush=True)
    found = re.search(r"^figure: submit_ratio_to_ceiling=.*$", submitted.stdout, re.M)
    submit_line = found.group(0) if found else "figure: submit_ratio_to_ceiling=nan p99_ms=nan " \
        "lost=nan duplicated=nan"  # fmt: skip

    print(f"figure: compare_page_p95_ms={compare_ms:.0f} answers={total}")
    print(f"figure: progression_page_p95_ms={progression_ms:.0f} answers={total}")
    print(f"figure: export_csv_ratio_to_copy={ratio:.2f} peak_rss_mb={cli_rss / 1e6:.0f}")
    print(submit_line)
    print(f"figure: compare_first_load_bytes={first_load}")


if __name__ == "__main__":
    main()
