#!/usr/bin/env python
"""Catalog read throughput: GET productOffering?limit=50 under gunicorn (2 workers) vs a bare view.

Loads 10,000 offerings with prices and bundles into a fresh PostgreSQL database
(DATABASE_URL names the server; `make bench-catalog` starts a throwaway one),
serves Overlay with gunicorn, and measures with wrk, in the same run:
  - the TMF620 list endpoint (authenticated, filtered by channel, paged),
  - a bare Django view returning the very same bytes from memory (the baseline),
  - the list endpoint with the page cache off (offerings rendered once per revision reused),
  - the list endpoint with the page cache and the rendered-offering cache both off
    (the first read after a catalog write), for information;
each ratio against the bare view measured just before it on the same server.
It prints requests/s, mean latency, both ratios to the baseline and the
queries per request for several page sizes. Goals: ratio >= 0.8 with the page
cache on, >= 0.15 with it off, and the queries per request the same whatever
the limit. The cache is each worker's memory unless --redis (Redis shared by
the workers, as in production; `make bench-catalog` starts one).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BENCH_DB = "overlay_bench"
GOAL_CACHED = 0.8
GOAL_UNCACHED = 0.15


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def database_urls() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (or run `make bench-catalog`, which starts one).")
    parts = urlsplit(url)
    return url, urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (HTTP load generator) with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        return shutil.which("wrk")
    sys.exit("wrk is needed (apt-get install wrk).")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django(env: dict, *args: str) -> str:
    result = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return result.stdout


class Gunicorn:
    def __init__(self, env: dict, workers: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "overlay.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base}/bench/bare", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        sys.exit("gunicorn did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(binary: str, url: str, token: str | None, seconds: int, connections: int) -> tuple[float, str]:
    command = [binary, "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    subprocess.run([*command[:-2], "-d2s", url], check=True, capture_output=True)  # warm-up
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = re.search(r"Latency\s+(\S+)", output).group(1)
    if "Non-2xx" in output:
        sys.exit(f"errors while measuring {url}:\n{output}")
    return rate, latency


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offerings", type=int, default=10_000)
    parser.add_argument("--bundles", type=int, default=1_000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--redis", action="store_true", help="cache in Redis, shared by the workers (default: each worker's memory)"
    )
    args = parser.parse_args()

    admin_url, bench_url = database_urls()
    wrk_binary = ensure_wrk()
    recreate_database(admin_url)
    workdir = Path(tempfile.mkdtemp(prefix="overlay-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "bench.catalog.settings",
        "DEBUG": "0",
        "BENCH_BARE_BODY": str(workdir / "page.json"),
        "PYTHONPATH": str(ROOT),
    }
    if args.redis:
        if not os.environ.get("REDIS_URL"):
            sys.exit("--redis: set REDIS_URL (or run `make bench-catalog`, which starts one).")
        env["CACHE_URL"] = os.environ["REDIS_URL"]
    started = time.monotonic()
    django(env, "manage.py", "migrate", "--no-input", "-v0")
    report = django(env, "bench/catalog/prepare.py", str(args.offerings), str(args.bundles))
    token = re.search(r"token=(\S+)", report).group(1)
    queries = re.search(r"queries=(\S+)", report).group(1)
    log(f"loaded {args.offerings} offerings in {time.monotonic() - started:.0f}s")

    path = f"/tmf-api/productCatalogManagement/v4/productOffering?limit={args.limit}"
    results = {}
    server = Gunicorn(env)
    try:
        page = httpx.get(server.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert page.status_code == 200 and len(page.json()) == args.limit, page.text[:300]
        (workdir / "page.json").write_bytes(page.content)
        results["overlay"] = wrk(wrk_binary, server.base + path, token, args.seconds, args.connections)
        results["bare"] = wrk(wrk_binary, server.base + "/bench/bare", None, args.seconds, args.connections)
    finally:
        server.stop()
    server = Gunicorn({**env, "CATALOG_PAGE_CACHE_SECONDS": "0"})
    try:
        # Each ratio against the bare view measured just before, on the same server: the shared
        # machine's load drifts between configurations.
        results["bare uncached"] = wrk(wrk_binary, server.base + "/bench/bare", None, args.seconds, args.connections)
        results["uncached"] = wrk(wrk_binary, server.base + path, token, args.seconds, args.connections)
    finally:
        server.stop()
    server = Gunicorn({**env, "CATALOG_PAGE_CACHE_SECONDS": "0", "CATALOG_RENDER_CACHE_SECONDS": "0"})
    try:
        results["bare cold"] = wrk(wrk_binary, server.base + "/bench/bare", None, args.seconds, args.connections)
        results["cold"] = wrk(wrk_binary, server.base + path, token, args.seconds, args.connections)
    finally:
        server.stop()

    ratio = results["overlay"][0] / results["bare"][0]
    uncached_ratio = results["uncached"][0] / results["bare uncached"][0]
    cold_ratio = results["cold"][0] / results["bare cold"][0]
    counts = dict(item.split(":") for item in queries.split(","))
    constant = len(set(counts.values())) == 1
    print(f"catalog benchmark: {args.offerings} offerings, GET productOffering?limit={args.limit}, ")
    cache = "Redis" if "CACHE_URL" in env else "per-process memory"
    print(f"gunicorn 2 workers, wrk {args.connections} connections x {args.seconds}s, page {len(page.content)} bytes")
    print(f"cache: {cache}")
    for label, key in [
        ("bare view (baseline)", "bare"),
        ("Overlay productOffering", "overlay"),
        ("bare view, on the next server", "bare uncached"),
        ("  ... with the page cache off", "uncached"),
        ("bare view, on the next server", "bare cold"),
        ("  ... and rendered offerings off", "cold"),
    ]:
        rate, latency = results[key]
        print(f"  {label:<34}{rate:>10.0f} req/s   mean latency {latency}")
    cached_ok, uncached_ok = ratio >= GOAL_CACHED, uncached_ratio >= GOAL_UNCACHED
    print(
        f"  ratio to baseline, page cache on:  {ratio:.2f} (goal >= {GOAL_CACHED}: {'met' if cached_ok else 'NOT met'})"
    )
    print(
        f"  ratio to baseline, page cache off: {uncached_ratio:.2f} "
        f"(goal >= {GOAL_UNCACHED}: {'met' if uncached_ok else 'NOT met'})"
    )
    print(f"  ratio to baseline, both caches off: {cold_ratio:.2f} (no goal: the first read after a catalog write)")
    print(f"  queries per request (cache off) by limit: {counts} -> {'constant' if constant else 'GROWS'}")
    ok = cached_ok and uncached_ok and constant
    print(f"  goals {'met' if ok else 'NOT met'}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
