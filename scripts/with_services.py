#!/usr/bin/env python3
"""Run a command with the services Overlay's tests need.

When ``DATABASE_URL`` is unset, a throwaway PostgreSQL cluster (initdb/pg_ctl
from the machine's PostgreSQL, installed with apt when missing and we are
root) is started on a free loopback port and removed afterwards, whatever
the command's outcome. Likewise a throwaway Redis (``redis-server``) when
``REDIS_URL`` is unset; the end-to-end tests use it as the Celery broker.
Usage: with_services.py -- COMMAND [ARGS...]
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def log(message: str) -> None:
    print(f"[with_services] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bindir() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return os.path.dirname(candidates[0])
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None


def shared_buffers_mb() -> int:
    """A quarter of the memory this machine (or its container) has, from 256 MB to 4 GB.

    PostgreSQL's advice for a server of its own; its default 128 MB (or a fixed 256 MB) leaves a
    million-customer sync's indexes (the links' alone are over a gigabyte) outside the buffers.
    """
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        with open("/sys/fs/cgroup/memory.max") as limits:
            limit = limits.read().strip()
        if limit.isdigit():
            memory = min(memory, int(limit))
    except OSError:
        pass
    return max(256, min(4096, memory // 4 // 2**20))


def apt_install(package: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    log(f"{package} not found; installing it with apt-get")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", package],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def ensure_postgres() -> str:
    bindir = postgres_bindir()
    if bindir is None:
        apt_install("postgresql")
        bindir = postgres_bindir()
    if bindir is None:
        sys.exit("PostgreSQL (initdb, pg_ctl) is needed for the tests; install it or set DATABASE_URL.")
    return bindir


def as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def throwaway_postgres():
    bindir = ensure_postgres()
    root = tempfile.mkdtemp(prefix="overlay-pg-")
    data = os.path.join(root, "data")
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    try:
        subprocess.run(
            as_postgres_user(
                [f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            f"-c full_page_writes=off -c max_connections=200 -c shared_buffers={shared_buffers_mb()}MB"
        )
        subprocess.run(
            as_postgres_user([f"{bindir}/pg_ctl", "-D", data, "-o", options, "-l", f"{root}/log", "-w", "start"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log(f"PostgreSQL started on 127.0.0.1:{port}")
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            as_postgres_user([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)
        log("PostgreSQL stopped and removed")


@contextlib.contextmanager
def throwaway_redis():
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("Redis (redis-server) is needed for the end-to-end tests; install it or set REDIS_URL.")
    root = tempfile.mkdtemp(prefix="overlay-redis-")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", root],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                sys.exit("redis-server did not start.")
            time.sleep(0.05)
        log(f"Redis started on 127.0.0.1:{port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)
        log("Redis stopped")


def main(argv: list[str]) -> int:
    # Stopped with kill: unwind like Ctrl-C so the throwaway cluster is still removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit(__doc__)
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(throwaway_postgres())
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(throwaway_redis())
        started = time.monotonic()
        code = subprocess.run(argv, env=env).returncode
        log(f"command finished in {time.monotonic() - started:.0f}s with exit code {code}")
        return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
