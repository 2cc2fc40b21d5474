#!/usr/bin/env python
"""`make serve`: Overlay as an operator runs it, every process on its own.

1. refuses to start without ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``: several processes share
   nothing but those two (the broker, and the cache holding throttling counters, remembered tokens,
   the catalog revision and rendered pages: docs/deployment.md);
2. migrates the database;
3. starts gunicorn with ``--web-workers`` workers, ``--celery-workers`` Celery worker instances
   (``worker1@host``, ``worker2@host``...) and one Celery beat;
4. writes every process's output to stdout, each line led by the process's name (``web |``,
   ``worker1 |``, ``beat |``; ``--no-prefix``: as they write it);
5. on SIGTERM or Ctrl-C stops them all (gunicorn and the workers finish what they hold), and if one of
   them dies, stops the others and exits non-zero, so that the service manager restarts the whole.

Run more machines with the same command against the same PostgreSQL and Redis, with ``--no-beat`` on
all but one: beat must run once.
"""

import argparse
import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
STOP_SECONDS = 30  # gunicorn's graceful timeout and a worker's warm shutdown fit in this
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s request=%({x-request-id}i)s'


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


LIBC = _libc()  # loaded before any fork: the child only calls it
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child, before it runs: on Linux it gets SIGTERM when serve.py dies, even of a SIGKILL that leaves
    serve.py no time to stop it (no orphaned worker keeps taking jobs, no gunicorn keeps the port)."""
    if LIBC is not None and sys.platform.startswith("linux"):
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def log(message: str) -> None:
    print(f"serve | {message}", flush=True)


def environment(args) -> dict:
    """The children's environment: the broker and the shared cache on Redis unless set apart."""
    env = dict(os.environ)
    database, redis = env.get("DATABASE_URL", ""), env.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")):
        sys.exit("serve: set DATABASE_URL to a PostgreSQL database (postgres://user:password@host:5432/overlay).")
    if not redis.startswith(("redis://", "rediss://")):
        sys.exit("serve: set REDIS_URL to a Redis server (redis://host:6379/0): the broker and the shared cache.")
    env.setdefault("CELERY_BROKER_URL", redis)
    env.setdefault("CACHE_URL", redis)
    if not env["CACHE_URL"].startswith(("redis://", "rediss://")):
        sys.exit("serve: CACHE_URL must be a Redis URL: every process must see the same counters and revisions.")
    env.setdefault("DJANGO_SETTINGS_MODULE", "overlay.settings")
    env["PYTHONUNBUFFERED"] = "1"
    # Every web and worker process writes its Prometheus counts here; /metrics adds them up. Wiped at each
    # start (a dead process's counts would otherwise be counted again), unless the operator names another.
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = ROOT / "var" / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    return env


def commands(args) -> dict[str, list[str]]:
    host_port = f"{args.host}:{args.port}"
    web = [
        *(PYTHON, "-m", "gunicorn", "overlay.wsgi:application", "--bind", host_port),
        *("--config", "python:overlay.gunicorn"),  # child_exit: a dead worker's metrics let go of
        *("--workers", str(args.web_workers), "--graceful-timeout", "20", "--timeout", "60"),
        *("--access-logfile", "-", "--error-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT),
        "--no-control-socket",  # its default path is one per user: two gunicorns would take each other's
    ]
    processes = {"web": web}
    for number in range(1, args.celery_workers + 1):
        processes[f"worker{number}"] = [
            *(PYTHON, "-m", "celery", "-A", "overlay", "worker", "--hostname", f"worker{number}@%h"),
            *("--pool", args.pool, "--concurrency", str(args.concurrency), "--loglevel", args.log_level),
            *("--without-gossip", "--without-mingle"),
        ]
    if args.beat:
        processes["beat"] = [
            *(PYTHON, "-m", "celery", "-A", "overlay", "beat", "--loglevel", args.log_level),
            *("--schedule", str(args.beat_schedule)),
        ]
    return processes


def relay(name: str, stream, width: int) -> None:
    """Copy a child's output to stdout line by line, led by its name."""
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:<{width}} | {line.decode(errors='replace')}")
        sys.stdout.flush()


class Topology:
    def __init__(self, processes: dict[str, list[str]], env: dict, prefix: bool = True):
        self.processes, self.env, self.prefix = processes, env, prefix
        self.running: dict[str, subprocess.Popen] = {}
        self.threads: list[threading.Thread] = []
        self.stopping = threading.Event()

    def start(self) -> None:
        width = max(len(name) for name in self.processes)
        for name, command in self.processes.items():
            child = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.PIPE if self.prefix else None,
                stderr=subprocess.STDOUT if self.prefix else None,
                start_new_session=True,  # its own process group: a stop reaches its children through it
                preexec_fn=die_with_parent,
            )
            self.running[name] = child
            if self.prefix:
                thread = threading.Thread(target=relay, args=(name, child.stdout, width), daemon=True)
                thread.start()
                self.threads.append(thread)
            log(f"started {name} (pid {child.pid})")

    def wait(self) -> int:
        """Until a stop is asked (0) or a process ends by itself (1)."""
        while not self.stopping.is_set():
            for name, child in self.running.items():
                if child.poll() is not None:
                    log(f"{name} exited with code {child.returncode}; stopping the others")
                    return 1
            self.stopping.wait(0.5)
        return 0

    def stop(self) -> None:
        for child in self.running.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for name, child in self.running.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in {STOP_SECONDS} s; killing it")
            _signal_group(child, signal.SIGKILL)  # whatever of its group is left
            child.wait()
        for thread in self.threads:
            thread.join(timeout=5)
        log("stopped")


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except ProcessLookupError:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--celery-workers", type=int, default=int(os.environ.get("CELERY_WORKERS", "2")))
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("CELERY_CONCURRENCY", "2")),
        help="Processes (or threads) per Celery worker instance.",
    )
    parser.add_argument(
        "--pool",
        choices=("prefork", "threads"),
        default=os.environ.get("CELERY_POOL", "prefork"),
        help="threads suits the I/O-bound fulfilment jobs (with a higher concurrency).",
    )
    parser.add_argument("--beat-schedule", default=os.environ.get("BEAT_SCHEDULE", str(ROOT / "var" / "beat")))
    parser.add_argument("--no-beat", dest="beat", action="store_false", help="Beat runs on another machine.")
    parser.add_argument("--no-migrate", dest="migrate", action="store_false")
    parser.add_argument(
        "--no-prefix",
        dest="prefix",
        action="store_false",
        help="Each process writes to stdout as it is, its lines not led by its name (JSON logs stay JSON).",
    )
    parser.add_argument("--log-level", default=os.environ.get("CELERY_LOG_LEVEL", "INFO"))
    args = parser.parse_args()
    if args.web_workers < 1 or args.celery_workers < 1 or args.concurrency < 1:
        sys.exit("serve: at least one web worker, one Celery worker and a concurrency of one.")
    env = environment(args)
    Path(args.beat_schedule).parent.mkdir(parents=True, exist_ok=True)

    topology = Topology(commands(args), env, prefix=args.prefix)
    # A stop asked while migrating or starting is kept and honoured as soon as the processes exist.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: topology.stopping.set())
    if args.migrate:
        log("migrating the database")
        migrated = subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v1"], cwd=ROOT, env=env)
        if migrated.returncode != 0:
            log("migrations failed; not starting")
            return migrated.returncode
    if topology.stopping.is_set():
        return 0
    topology.start()
    log(
        f"Overlay on http://{args.host}:{args.port}/ with {args.web_workers} web workers, "
        f"{args.celery_workers} Celery workers" + (" and beat" if args.beat else "")
    )
    try:
        code = topology.wait()
    finally:
        topology.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
