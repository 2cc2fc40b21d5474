#!/usr/bin/env python
"""Sync throughput and memory: N customers with accounts and held products, simulator -> HTTP -> PostgreSQL.

Starts the back-office simulator with --customers N (default 1,000,000; each
customer has a CRM record with a billing account, 0-3 mobile subscriptions,
every second one a fibre line, every fifth one a shipped device), configures
the five systems in a fresh database, and runs `manage.py sync` in its own
process, sampling its peak RSS (VmHWM) and the CPU time it, the simulator and
the PostgreSQL backends serving it use (the simulator shares the machine).
Then, in the same run, two baselines: (1) the customers, billing accounts and held products it
ended with, COPYed into empty tables of their shape (no links table, no foreign keys); (2) every
row the sync wrote (customers, links, accounts, products, usage, runs, cursors...) COPYed back
into the real tables, emptied, with their indexes, constraints and foreign keys: the limit of
Overlay's data model. It prints records/s, peak RSS, both baselines' rows/s and both ratios.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=2000)
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (or run `make bench-sync`, which starts one).")
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
    try:
        for _ in range(100):
            try:
                urlopen(f"http://127.0.0.1:{port}/_control/stats", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        with psycopg.connect(bench_url, autocommit=True) as conn:
            before = row_counts(conn)
        log(f"syncing {args.customers} customers...")
        started = time.monotonic()
        sync = subprocess.Popen([PYTHON, "manage.py", "sync"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        peak, sync_cpu, backends = 0.0, 0.0, {}
        while True:
            peak = max(peak, peak_rss_mb(sync.pid))
            backends.update(backend_cpu_seconds(BENCH_DB))
            pid, status, usage = os.wait4(sync.pid, os.WNOHANG)
            if pid:
                sync.returncode = os.waitstatus_to_exitcode(status)
                sync_cpu = usage.ru_utime + usage.ru_stime
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        output = sync.stdout.read()
        if sync.returncode:
            sys.exit(f"sync failed:\n{output}")
    finally:
        simulator.terminate()
        _, _, usage = os.wait4(simulator.pid, 0)  # reaps it, with its CPU time
        simulator.returncode = 0  # so that Popen does not wait for it again
        simulator_cpu = usage.ru_utime + usage.ru_stime

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
        schema_elapsed = same_schema_copy(conn, dumps)
    copied_rows = sum(counts.values())
    schema_rows = sum(rows for rows, _ in written.values())
    rate, copy_rate, schema_rate = records / elapsed, copied_rows / copy_elapsed, schema_rows / schema_elapsed
    ratio, schema_ratio = rate / copy_rate, rate / schema_rate
    print(f"sync benchmark: {args.customers} customers from the simulator over HTTP into PostgreSQL")
    print(f"  records fetched and applied: {records} in {elapsed:.1f}s -> {rate:,.0f} records/s")
    held = ", ".join(f"{table.split('_', 1)[1]} {count}" for table, count in counts.items())
    print(f"  rows now held: {held}")
    print(f"  peak RSS of the sync process: {peak:.0f} MB (target < 300 MB)")
    print(
        f"  CPU time: the sync process {sync_cpu:.1f} s, the simulator {simulator_cpu:.1f} s, PostgreSQL"
        f" {sum(backends.values()):.1f} s; {os.cpu_count()} cores offered {os.cpu_count() * elapsed:.0f} s"
    )
    print(
        f"  baseline 1, COPY of customers, accounts and products into bare tables: {copied_rows} rows in"
        f" {copy_elapsed:.1f}s -> {copy_rate:,.0f} rows/s; ratio {ratio:.3f}"
    )
    shown = ", ".join(f"{table} {rows}" for table, (rows, _) in sorted(written.items(), key=lambda t: -t[1][0])[:6])
    print(
        f"  baseline 2, COPY of every row the sync wrote into the real schema ({len(written)} tables: {shown}...):"
        f" {schema_rows} rows in {schema_elapsed:.1f}s -> {schema_rate:,.0f} rows/s; ratio {schema_ratio:.3f}"
        f" (target >= 0.5; time ratio {schema_elapsed / elapsed:.3f})"
    )
    ok = schema_ratio >= 0.5 and peak < 300
    print(f"  target {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


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


def same_schema_copy(conn, dumps: dict[str, bytes]) -> float:
    """Empty the tables the sync wrote and COPY its rows back, parents first, in one transaction (the
    deferred foreign keys are checked at its commit, which the time includes); the seconds it took."""
    tables = ", ".join(f'"{table}"' for table in dumps)
    conn.execute(f"TRUNCATE {tables} CASCADE")  # what refers to them is empty
    conn.execute("CHECKPOINT")  # the truncation's own writes are not the baseline's
    started = time.monotonic()
    with conn.transaction():
        for table, rows in dumps.items():
            load(conn, table, rows)
    return time.monotonic() - started


if __name__ == "__main__":
    sys.exit(main())
