"""What the request-level benchmarks share: a fresh PostgreSQL database and Django set up on it."""

import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def fresh_database(name: str, make_target: str) -> str:
    """Drop and create database ``name`` on the server of DATABASE_URL; its URL."""
    import psycopg

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        sys.exit(f"Set DATABASE_URL to a PostgreSQL server (or run `make {make_target}`, which starts one).")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def django_on(database_url: str) -> None:
    """Django on that database, migrated, answering any host, quiet."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "overlay.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    # Count the endpoints' own queries: the token stays remembered for the whole run.
    os.environ["API_TOKEN_CACHE_SECONDS"] = "3600"
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)


def migrated_process_env(database_url: str, root) -> dict:
    """The environment of a benchmark's own processes (manage.py, the sync), with that database
    migrated: production settings, the simulator's key, quiet."""
    import subprocess

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only",
        "DEBUG": "0",
        "SIMULATOR_API_KEY": "bench-key",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True)
    return env


class StatementCounter:
    """Statements and transactions of what runs inside ``with counter:``, on this thread's connection.

    A transaction is an outermost ``transaction.atomic`` block (however many statements and savepoints it
    holds), or one statement run outside any (autocommit: PostgreSQL commits it alone). ``seconds`` and
    ``cpu_seconds``: the wall time and this process's CPU time it took.
    """

    def __init__(self):
        self.statements = 0
        self.transactions = 0
        self._block = None  # the outermost atomic block being counted (held: its id is not reused meanwhile)

    def _watch(self, execute, sql, params, many, context):
        from django.db import connection

        if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            self.statements += 1
        if not connection.in_atomic_block:
            self._block = None
            self.transactions += 1
        elif connection.atomic_blocks[0] is not self._block:
            self._block = connection.atomic_blocks[0]
            self.transactions += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self._watch)
        self._wrapper.__enter__()
        self._started = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._started[0]
        self.cpu_seconds = time.process_time() - self._started[1]
        self._wrapper.__exit__(*exc)
        self._block = None
