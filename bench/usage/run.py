#!/usr/bin/env python
"""Usage import and rating, and the consumption read, at scale: simulator -> HTTP -> PostgreSQL.

Starts the back-office simulator with --customers N (default 100,000), builds the demo catalog
(its usage metrics and prices), syncs who holds what (customers, subscriptions, lines, partner
subscriptions), then, timed, imports and rates every usage stream (mobile, fixed, partner: about
100 records per customer, with duplicates, late records and unknown products among them) with
`sync_stream` in its own process, sampling its peak RSS and CPU. In the same run, the baseline:
the same usage rows written with a plain PostgreSQL COPY into an empty table of the same shape.
Then the TMF677 read: POST queryUsageConsumption for random products, in process, its p95 and
its number of queries.

Prints records/s, the COPY rows/s and their ratio, peak RSS, the read's p50/p95 and queries.
Targets: peak RSS < 300 MB whatever N (the import holds a page at a time); TMF677 p95 <= 20 ms
with the same number of queries for every product.
"""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.common import fresh_database, log, migrated_process_env  # noqa: E402
from bench.sync.run import backend_cpu_seconds, free_port, peak_rss_mb  # noqa: E402

PYTHON = sys.executable
BENCH_DB = "overlay_bench_usage"
USAGE_DAY = "2026-11-30"  # the simulator's usage ends here: the same records every run

PREPARE = """
from adapters.demo import configure_simulated_systems, import_catalogs
from adapters.models import BackOfficeSystem
from catalog.demo import load_demo_catalog
configure_simulated_systems('http://127.0.0.1:{port}')
BackOfficeSystem.objects.update(page_size={page}, timeout_seconds=60)
import_catalogs()
load_demo_catalog()
"""
HOLDERS = """
from adapters.models import BackOfficeSystem
from adapters.registry import adapter_class
from adapters.sync import sync_stream
for system in BackOfficeSystem.objects.all():
    for stream, kind in adapter_class(system.adapter).streams.items():
        if kind not in ("usage", "offering"):
            run = sync_stream(system, stream)
            print(system.code, stream, run.status, run.fetched)
"""
USAGE = """
from adapters.models import BackOfficeSystem
from adapters.registry import adapter_class
from adapters.sync import sync_stream
from usage.rating import rate_pending
for system in BackOfficeSystem.objects.all():
    for stream, kind in adapter_class(system.adapter).streams.items():
        if kind == "usage":
            run = sync_stream(system, stream)
            print(system.code, stream, run.status, run.fetched, run.created, run.quarantined)
print("rated afterwards", rate_pending())
"""


def manage_shell(code: str, env: dict, *, watch: bool = False) -> tuple[str, float, float, float, float]:
    """Run code in `manage.py shell`; (its output, seconds, peak RSS MB, its CPU seconds, PostgreSQL's)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    peak, backends = 0.0, {}
    while True:
        if watch:
            peak = max(peak, peak_rss_mb(process.pid))
            backends.update(backend_cpu_seconds(BENCH_DB))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.2)
    output = process.stdout.read()
    if process.returncode:
        sys.exit(f"failed:\n{output}")
    return output, time.monotonic() - started, peak, usage.ru_utime + usage.ru_stime, sum(backends.values())


def consumption_reads(bench_url: str, samples: int) -> tuple[list[float], set[int]]:
    """POST queryUsageConsumption for random products with usage: latencies (ms) and query counts."""
    from bench.common import django_on

    django_on(bench_url)
    from django.db import connection
    from rest_framework.test import APIClient

    from overlay.services import api_client_create
    from usage.models import Consumption

    client = APIClient()
    token = api_client_create(name=f"bench-usage-{time.time_ns()}", channel="web", scopes=["usage:read"]).token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    products = list(Consumption.objects.values_list("product_id", flat=True).distinct()[:20000])
    random.seed(7)
    latencies, queries = [], set()
    for number in range(samples + 20):
        product = random.choice(products)
        body = {"searchCriteria": {"product": [{"id": str(product)}]}}
        executed = []

        def count(execute, *query, executed=executed):
            executed.append(1)
            return execute(*query)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            response = client.post(
                "/tmf-api/usageConsumption/v4/queryUsageConsumption",
                body,
                format="json",
                HTTP_HOST="127.0.0.1",
                secure=True,
            )
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            sys.exit(f"queryUsageConsumption answered {response.status_code}: {response.content[:500]!r}")
        if number >= 20:  # the first ones warm the caches
            latencies.append(elapsed)
            queries.add(len(executed))
    return latencies, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=2000, help="TMF677 queries to time")
    parser.add_argument(
        "--reads-only", action="store_true", help="time the TMF677 reads on the database a full run left"
    )
    args = parser.parse_args()
    if args.reads_only:
        return print_reads(*consumption_reads(database_url(), args.reads))
    bench_url = fresh_database(BENCH_DB, "bench-usage")
    port = free_port()
    env = migrated_process_env(bench_url, ROOT)
    simulator = subprocess.Popen(
        [
            *(PYTHON, "-m", "adapters.simulator", "--port", str(port), "--customers", str(args.customers)),
            *("--db", "/tmp/overlay-bench-usage-simulator.sqlite3", "--fresh", "--api-key", "bench-key"),
            *("--usage-until", USAGE_DAY),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        manage_shell(PREPARE.format(port=port, page=args.page_size), env)
        log(f"syncing who holds what for {args.customers} customers...")
        _, holders_seconds, *_ = manage_shell(HOLDERS, env)
        log(f"holders synced in {holders_seconds:.0f}s; importing and rating usage...")
        output, elapsed, peak, cpu, backends = manage_shell(USAGE, env, watch=True)
    finally:
        simulator.terminate()
        simulator.wait()
    log(output.strip())

    with psycopg.connect(bench_url, autocommit=True) as conn:
        fetched = conn.execute(
            "SELECT COALESCE(SUM(fetched), 0) FROM adapters_syncrun WHERE stream LIKE '%%usage%%'"
        ).fetchone()[0]
        stored = conn.execute("SELECT COUNT(*) FROM usage_usagerecord").fetchone()[0]
        periods = conn.execute("SELECT COUNT(*) FROM usage_consumption").fetchone()[0]
        unrated = conn.execute("SELECT COUNT(*) FROM usage_consumption WHERE dirty").fetchone()[0]
        buffer = io.BytesIO()
        with conn.cursor().copy("COPY usage_usagerecord TO STDOUT") as copy:
            for chunk in copy:
                buffer.write(chunk)
        conn.execute("CREATE TABLE copy_usage (LIKE usage_usagerecord INCLUDING ALL)")
        copy_started = time.monotonic()
        with conn.cursor().copy("COPY copy_usage FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        copy_elapsed = time.monotonic() - copy_started

    latencies, queries = consumption_reads(bench_url, args.reads)
    rate, copy_rate = fetched / elapsed, stored / copy_elapsed
    print(f"usage benchmark: {args.customers} customers, usage from the simulator over HTTP into PostgreSQL")
    print(f"  records fetched, imported and rated: {fetched} in {elapsed:.1f}s -> {rate:,.0f} records/s")
    print(f"  stored: {stored} usage records (the rest duplicates or quarantined), {periods} rated periods")
    print(f"  peak RSS of the importing process: {peak:.0f} MB (target < 300 MB)")
    print(f"  CPU time: the import {cpu:.1f} s, PostgreSQL {backends:.1f} s")
    print(f"  baseline COPY of the same rows: {stored} rows in {copy_elapsed:.1f}s -> {copy_rate:,.0f} rows/s")
    print(f"  ratio: {rate / copy_rate:.3f}")
    reads_ok = print_reads(latencies, queries) == 0
    ok = peak < 300 and reads_ok and unrated == 0
    print(f"  targets {'met' if ok else 'NOT met'}" + (f" ({unrated} periods left unrated)" if unrated else ""))
    return 0 if ok else 1


def database_url() -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{BENCH_DB}"))


def print_reads(latencies: list[float], queries: set[int]) -> int:
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(
        f"  TMF677 queryUsageConsumption over {len(latencies)} products: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        f" (target <= 20 ms), queries per read {sorted(queries)} (target: one figure)"
    )
    return 0 if p95 <= 20 and len(queries) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
