#!/usr/bin/env python
"""Sync throughput and memory: N customers with accounts and held products, simulator -> HTTP -> PostgreSQL.

Starts the back-office simulator with --customers N (default 200,000; each
customer has a CRM record with a billing account, 0-3 mobile subscriptions,
every second one a fibre line, every fifth one a shipped device), configures
the five systems in a fresh database, and syncs every stream but the usage
feeds (bench-usage measures those) in one process of its own, sampling its peak
RSS (VmHWM) and the CPU time it, the simulator and the PostgreSQL backends
serving it use (the simulator shares the machine).
Then, in the same run, two baselines: (1) the customers, billing accounts and held products it
ended with, COPYed into empty tables of their shape (no links table, no foreign keys); (2) every
row the sync wrote (customers, links, accounts, products, usage, runs, cursors...) COPYed back
into the real tables, emptied, with their indexes, constraints and foreign keys: the limit of
Overlay's data model. It prints records/s, peak RSS, both baselines' rows/s and both ratios.
Then the same sync again, from empty tables, as partitions' jobs (--partitions a stream) on Redis pulled
by 1, then 2 Celery worker processes (--workers), each checked to import the same rows.
Targets: ratio to the same-schema baseline >= 0.5; peak RSS < 300 MB whatever N.
"""

import argparse
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import migrated_process_env

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BENCH_DB = "overlay_bench_sync"
COPIED = ("customers_customer", "customers_billingaccount", "customers_heldproduct")
# What must come out the same whichever way the sync runs: one link a record, one product a product record.
LINKED = ("customers_customerlink", "customers_heldproduct", "customers_billingaccount")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def backend_cpu_seconds(database: str) -> dict[int, float]:
    """CPU seconds so far of each local PostgreSQL backend connected to ``database`` (none if remote)."""
    found, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f" {database} ".encode() not in (entry / "cmdline").read_bytes().replace(b"\0", b" ") + b" ":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


# The bench's sync: every stream but the usage feeds (bench-usage syncs those, into the catalog they need).
SYNC_CODE = """
from adapters.models import BackOfficeSystem, SyncRun
from adapters.sync import REFERS_TO_PRODUCTS, streams_in_order, sync_stream
from adapters.registry import adapter_class
failed = []
for system in BackOfficeSystem.objects.filter(enabled=True):
    kinds = adapter_class(system.adapter).streams
    for stream in streams_in_order(system):
        if kinds[stream] not in REFERS_TO_PRODUCTS:
            run = sync_stream(system, stream)
            if run.status != SyncRun.Status.SUCCEEDED:
                failed.append(f"{system.code}/{stream}: {run.error}")
assert not failed, failed
"""
# The same streams, each split in PARTS partitions where it can be, sent to the Celery workers.
ENQUEUE_CODE = """
from adapters.models import BackOfficeSystem
from adapters.partitions import partitions_plan
from adapters.registry import adapter_class
from adapters.sync import REFERS_TO_PRODUCTS, streams_in_order
from adapters.tasks import sync_partition_task
for system in BackOfficeSystem.objects.filter(enabled=True):
    kinds = adapter_class(system.adapter).streams
    for stream in streams_in_order(system):
        if kinds[stream] not in REFERS_TO_PRODUCTS:
            for partition in partitions_plan(system, stream, PARTS):
                sync_partition_task.delay(partition.pk)
"""


def cpu_seconds(pid: int) -> float:
    """CPU seconds a live process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """Peak RSS and CPU of a bench's processes, and of the PostgreSQL backends serving them, while they run."""

    def __init__(self, processes: list[subprocess.Popen]):
        self.processes, self.peak, self.cpu, self.backends = processes, 0.0, 0.0, {}

    def sample(self) -> None:
        self.peak = max([self.peak, *(peak_rss_mb(p.pid) for p in self.processes)])
        self.backends.update(backend_cpu_seconds(BENCH_DB))

    def reap(self, process: subprocess.Popen) -> int | None:
        """Its exit code if it ended (its CPU time counted), else None."""
        if process.returncode is not None:  # reaped already (by poll): its CPU time is lost
            return process.returncode
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if not pid:
            return None
        process.returncode = os.waitstatus_to_exitcode(status)
        self.cpu += usage.ru_utime + usage.ru_stime
        return process.returncode

    @property
    def backend_cpu(self) -> float:
        return sum(self.backends.values())


def in_process_sync(env: dict) -> tuple[float, Sampler]:
    """The sync in one process (the streams one after the other, three stages in threads): its seconds."""
    started = time.monotonic()
    sync = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-c", SYNC_CODE], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    sampler = Sampler([sync])
    while (code := sampler.reap(sync)) is None:
        sampler.sample()
        time.sleep(0.2)
    if code:
        sys.exit(f"sync failed:\n{sync.stdout.read()}")
    return time.monotonic() - started, sampler


def workers_sync(env: dict, bench_url: str, workers: int, parts: int) -> tuple[float, Sampler]:
    """The same sync as partitions' jobs on Redis, pulled by ``workers`` Celery worker processes (one
    job at a time each): its seconds from sending the jobs to the last partition finished."""
    env = {**env, "CELERY_BROKER_URL": env["REDIS_URL"], "DB_CONN_MAX_AGE": "0"}
    code = ENQUEUE_CODE.replace("PARTS", str(parts))
    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    processes = [
        subprocess.Popen(
            [
                *(PYTHON, "-m", "celery", "-A", "overlay", "worker", "--pool", "threads", "--concurrency", "1"),
                *("--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("--hostname", f"bench{number}@%h"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for number in range(workers)
    ]
    sampler = Sampler(processes)
    try:
        with psycopg.connect(bench_url, autocommit=True) as conn:
            while conn.execute("SELECT COUNT(*) FROM adapters_syncpartition WHERE finished_at IS NULL").fetchone()[0]:
                if any(p.poll() is not None for p in processes):
                    sys.exit("a worker died")
                sampler.sample()
                time.sleep(0.2)
            failed = conn.execute("SELECT COUNT(*) FROM adapters_syncrun WHERE status <> 'succeeded'").fetchone()[0]
            # From the first job's start to the last one's end: the workers' own start is not the sync's.
            (elapsed,) = conn.execute(
                "SELECT EXTRACT(EPOCH FROM MAX(finished_at) - MIN(started_at))::float FROM adapters_syncrun"
            ).fetchone()
        log(f"  {time.monotonic() - started:.1f}s with the workers' start")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            while sampler.reap(process) is None:
                time.sleep(0.05)
    if failed:
        sys.exit(f"{failed} partition runs failed")
    return elapsed, sampler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=2000)
    parser.add_argument("--partitions", type=int, default=4, help="Per stream, in the runs through workers.")
    parser.add_argument("--workers", default="1,2", help="Worker processes of each run through Celery ('': none).")
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL (or run `make bench-sync`, which starts PostgreSQL and Redis).")
    bench_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{BENCH_DB}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")

    port = free_port()
    env = migrated_process_env(bench_url, ROOT)
    code = (
        "from adapters.demo import configure_simulated_systems; from adapters.models import BackOfficeSystem;"
        f"configure_simulated_systems('http://127.0.0.1:{port}');"
        f"BackOfficeSystem.objects.update(page_size={args.page_size}, timeout_seconds=60)"
    )
    subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    simulator = subprocess.Popen(
        [
            *(PYTHON, "-m", "adapters.simulator", "--port", str(port), "--customers", str(args.customers)),
            *("--db", "/tmp/overlay-bench-simulator.sqlite3", "--fresh", "--api-key", "bench-key"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    worker_runs = []
    try:
        for _ in range(100):
            try:
                urlopen(f"http://127.0.0.1:{port}/_control/stats", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        with psycopg.connect(bench_url, autocommit=True) as conn:
            before = row_counts(conn)
        log(f"syncing {args.customers} customers in one process...")
        simulator_started = cpu_seconds(simulator.pid)
        elapsed, sampler = in_process_sync(env)
        simulator_cpu = cpu_seconds(simulator.pid) - simulator_started
        with psycopg.connect(bench_url, autocommit=True) as conn:
            records = conn.execute("SELECT COALESCE(SUM(fetched), 0) FROM adapters_syncrun").fetchone()[0]
            counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COPIED}
            written = tables_written(conn, before)
            dumps = {table: dump(conn, table) for table in written}
            # Baseline 1: customers, accounts and products COPYed into empty tables of their shape (no links, no FKs).
            for table in COPIED:
                conn.execute(f"CREATE TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
            copy_started = time.monotonic()
            for table in COPIED:
                load(conn, f"copy_{table}", dumps[table])
            copy_elapsed = time.monotonic() - copy_started
            for table in COPIED:
                conn.execute(f"DROP TABLE copy_{table}")
            # Baseline 2: every row the sync ended with (links, runs and cursors too) COPYed back into the real
            # tables, emptied: their indexes, constraints and foreign keys as the sync met them.
            schema_elapsed, schema_cpu = same_schema_copy(conn, dumps)
        for workers in [int(n) for n in args.workers.split(",") if n]:
            with psycopg.connect(bench_url, autocommit=True) as conn:
                empty(conn, written)
            log(f"syncing {args.customers} customers in {args.partitions} partitions a stream, {workers} worker(s)...")
            run_started = cpu_seconds(simulator.pid)
            run_elapsed, run_sampler = workers_sync(env, bench_url, workers, args.partitions)
            with psycopg.connect(bench_url, autocommit=True) as conn:
                run_records = conn.execute("SELECT COALESCE(SUM(fetched), 0) FROM adapters_syncrun").fetchone()[0]
                run_counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in LINKED}
            worker_runs.append((workers, run_elapsed, run_sampler, cpu_seconds(simulator.pid) - run_started))
            worker_runs[-1] += (run_records, run_counts)
    finally:
        simulator.terminate()
        simulator.wait()

    copied_rows = sum(counts.values())
    schema_rows = sum(rows for rows, _ in written.values())
    rate, copy_rate, schema_rate = records / elapsed, copied_rows / copy_elapsed, schema_rows / schema_elapsed
    # Baseline 1 as it always was: records/s over rows/s. Baseline 2 like for like: the same rows, the sync's
    # rows/s over COPY's (a record makes two or three rows: a link, a customer or a product, an account).
    ratio, schema_ratio = rate / copy_rate, schema_elapsed / elapsed
    print(f"sync benchmark: {args.customers} customers from the simulator over HTTP into PostgreSQL")
    print(f"  records fetched and applied in one process: {records} in {elapsed:.1f}s -> {rate:,.0f} records/s")
    held = ", ".join(f"{table.split('_', 1)[1]} {count}" for table, count in counts.items())
    print(f"  rows now held: {held}")
    print(f"  peak RSS of the sync process: {sampler.peak:.0f} MB (target < 300 MB)")
    print(
        f"  CPU time: the sync process {sampler.cpu:.1f} s, the simulator {simulator_cpu:.1f} s, PostgreSQL"
        f" {sampler.backend_cpu:.1f} s; {os.cpu_count()} cores offered {os.cpu_count() * elapsed:.0f} s"
    )
    print(
        f"  baseline 1, COPY of customers, accounts and products into bare tables: {copied_rows} rows in"
        f" {copy_elapsed:.1f}s -> {copy_rate:,.0f} rows/s; ratio {ratio:.3f}"
    )
    shown = ", ".join(f"{table} {rows}" for table, (rows, _) in sorted(written.items(), key=lambda t: -t[1][0])[:6])
    print(
        f"  baseline 2, COPY of every row the sync wrote into the real schema ({len(written)} tables: {shown}...):"
        f" {schema_rows} rows in {schema_elapsed:.1f}s -> {schema_rate:,.0f} rows/s; the sync wrote them at"
        f" {schema_rows / elapsed:,.0f} rows/s: ratio {schema_ratio:.3f} (target >= 0.5; records/s over rows/s"
        f" {rate / schema_rate:.3f}); its PostgreSQL backend used {schema_cpu:.1f} CPU s"
    )
    ok = schema_ratio >= 0.5 and sampler.peak < 300
    expected = {t: written.get(t, (0,))[0] for t in LINKED}
    for workers, run_elapsed, run_sampler, run_simulator_cpu, run_records, run_counts in worker_runs:
        run_rate = run_records / run_elapsed
        print(
            f"  through Celery, {args.partitions} partitions a stream, {workers} worker process(es): {run_records}"
            f" records in {run_elapsed:.1f}s -> {run_rate:,.0f} records/s; ratio {schema_elapsed / run_elapsed:.3f} to"
            f" baseline 2; peak RSS {run_sampler.peak:.0f} MB; CPU workers {run_sampler.cpu:.1f} s, simulator"
            f" {run_simulator_cpu:.1f} s, PostgreSQL {run_sampler.backend_cpu:.1f} s"
        )
        if run_records != records or run_counts != expected:
            print(f"    NOT the same import: {run_counts} (one process: {expected})")
            ok = False
    print(f"  target {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def empty(conn, written: dict) -> None:
    """The tables the sync wrote emptied again: the next run starts as the first did."""
    conn.execute(f"TRUNCATE {', '.join(f'{chr(34)}{table}{chr(34)}' for table in written)} CASCADE")
    conn.execute("CHECKPOINT")


def row_counts(conn) -> dict[str, int]:
    """Rows in each table of the schema (exact counts; run before and after the sync)."""
    tables = [name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def tables_written(conn, before: dict[str, int]) -> dict[str, tuple[int, list[str]]]:
    """The tables the sync filled (empty before it), parents before children: {table: (rows, parents)}."""
    after = row_counts(conn)
    written = {table: rows for table, rows in after.items() if rows and not before.get(table)}
    parents = {table: set() for table in written}
    for child, parent in conn.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
    ):
        if child in parents and parent in parents and parent != child:
            parents[child].add(parent)
    ordered: dict[str, tuple[int, list[str]]] = {}
    while len(ordered) < len(written):
        if not any(parents[t] <= ordered.keys() for t in written if t not in ordered):
            sys.exit(f"foreign keys in a cycle among {sorted(set(written) - ordered.keys())}")
        for table in written:
            if table not in ordered and parents[table] <= ordered.keys():
                ordered[table] = (written[table], sorted(parents[table]))
    return ordered


def dump(conn, table: str) -> bytes:
    buffer = io.BytesIO()
    with conn.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue()


def load(conn, table: str, rows: bytes) -> None:
    with conn.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
        copy.write(rows)


def same_schema_copy(conn, dumps: dict[str, bytes]) -> tuple[float, float]:
    """Empty the tables the sync wrote and COPY its rows back, parents first, in one transaction (the
    deferred foreign keys are checked at its commit, which the time includes); the seconds it took, and
    the CPU seconds of the PostgreSQL backend doing it."""
    empty(conn, dumps)  # what refers to them is empty too
    backend = conn.info.backend_pid
    started, cpu_started = time.monotonic(), cpu_seconds(backend)
    with conn.transaction():
        for table, rows in dumps.items():
            load(conn, table, rows)
    return time.monotonic() - started, cpu_seconds(backend) - cpu_started


if __name__ == "__main__":
    sys.exit(main())
