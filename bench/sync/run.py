#!/usr/bin/env python
"""Sync throughput and memory: N customers with accounts and held products, simulator -> HTTP -> PostgreSQL.

Starts the back-office simulator with --customers N (default 1,000,000; each
customer has a CRM record with a billing account, 0-3 mobile subscriptions,
every second one a fibre line, every fifth one a shipped device), configures
the five systems in a fresh database, and runs `manage.py sync` in its own
process, sampling its peak RSS (VmHWM) and the CPU time it, the simulator and
the PostgreSQL backends serving it use (the simulator shares the machine).
Then, in the same run, the baseline: the same rows (customers, billing accounts, held products) written with a
plain PostgreSQL COPY into empty tables of the same shape. It prints
records/s, peak RSS, the COPY rows/s and their ratio.
Targets: ratio >= 0.3; peak RSS < 300 MB whatever N.
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
        # Baseline: the same rows, exported, then COPYed into empty tables of the same shape.
        dumps = {}
        for table in COPIED:
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table] = buffer.getvalue()
            conn.execute(f"CREATE TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
        copy_started = time.monotonic()
        for table in COPIED:
            with conn.cursor().copy(f"COPY copy_{table} FROM STDIN") as copy:
                copy.write(dumps[table])
        copy_elapsed = time.monotonic() - copy_started
    copied_rows = sum(counts.values())
    rate, copy_rate = records / elapsed, copied_rows / copy_elapsed
    ratio = rate / copy_rate
    print(f"sync benchmark: {args.customers} customers from the simulator over HTTP into PostgreSQL")
    print(f"  records fetched and applied: {records} in {elapsed:.1f}s -> {rate:,.0f} records/s")
    held = ", ".join(f"{table.split('_', 1)[1]} {count}" for table, count in counts.items())
    print(f"  rows now held: {held}")
    print(f"  peak RSS of the sync process: {peak:.0f} MB (target < 300 MB)")
    print(
        f"  CPU time: the sync process {sync_cpu:.1f} s, the simulator {simulator_cpu:.1f} s, PostgreSQL"
        f" {sum(backends.values()):.1f} s; {os.cpu_count()} cores offered {os.cpu_count() * elapsed:.0f} s"
    )
    print(f"  baseline COPY of the same rows: {copied_rows} rows in {copy_elapsed:.1f}s -> {copy_rate:,.0f} rows/s")
    print(f"  ratio: {ratio:.3f} (target >= 0.3)")
    ok = ratio >= 0.3 and peak < 300
    print(f"  target {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
