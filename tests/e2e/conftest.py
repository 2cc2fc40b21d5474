"""End-to-end fixtures: headless Chromium (Debian's), and the cart tests' small shop."""

import os

import pytest
from django.db import connections

from tests.fixtures.simulator import API_KEY as SIMULATOR_API_KEY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI (make test installs it)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # ORM calls made while Playwright's loop runs use a connection of that context: close it here.
        connections.close_all()


class CeleryWorker:
    """A real Celery worker process (threads pool) on the Redis broker, using the test database."""

    def __init__(self, tmp_path, env: dict):
        self.tmp_path, self.env, self.process, self.starts = tmp_path, env, None, 0

    def start(self) -> "CeleryWorker":
        import subprocess
        import sys

        self.starts += 1
        log = open(self.tmp_path / f"worker-{self.starts}.log", "w")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "overlay", "worker", "--beat", "--pool", "threads"),
                *("--concurrency", "4", "--loglevel", "INFO", "--without-gossip", "--without-mingle"),
                *("--schedule", str(self.tmp_path / f"beat-{self.starts}"), "--hostname", f"e2e{self.starts}@%h"),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: with it go its children (the embedded beat)
        )
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its children: no warm shutdown, no acknowledgements; whatever it
        held must come back by itself."""
        import signal

        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        import signal
        import subprocess

        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever of the group is left
        except ProcessLookupError:
            pass

    def log(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("worker-*.log")))


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.fail("REDIS_URL is not set: run the suite with `make test` (it starts Redis).")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def celery_worker(transactional_db, redis_url, tmp_path, settings, monkeypatch):
    """Orders placed in this test go to Redis, and a real worker process carries them out."""
    from django.db import connection

    from overlay.celery import app

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "overlay.settings",
        "SECRET_KEY": "e2e-worker",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": "6",
        "SWEEP_SECONDS": "1",
        "FULFILMENT_REQUEUE_SECONDS": "5",
        "FULFILMENT_RETRY_BASE_SECONDS": "0.2",
        "FULFILMENT_RETRY_MAX_SECONDS": "1",
        "FULFILMENT_POLL_SECONDS": "0.2",
        "FULFILMENT_LEASE_SECONDS": "4",
        "EVENT_RETRY_BASE_SECONDS": "0.2",
        "EVENT_RETRY_MAX_SECONDS": "1",
        # The tests' listeners run on loopback over http.
        "EVENT_CALLBACK_HTTP": "1",
        "EVENT_CALLBACK_INTERNAL_HOSTS": "127.0.0.1,localhost",
        "PRICING_DATA_CACHE": "0",
        "LOG_LEVEL": "WARNING",
        "SIMULATOR_API_KEY": SIMULATOR_API_KEY,
        "SIMULATOR_WEBHOOK_SECRET": "push-secret",
    }
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    _reset_pool(app)
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    settings.SWEEP_SECONDS = 1
    worker = CeleryWorker(tmp_path, env).start()
    yield worker
    worker.stop()
    app.conf.update(**saved)
    _reset_pool(app)


def _reset_pool(app) -> None:
    """Producers are pooled per broker: drop them when the broker changes (a new pool is made on demand)."""
    from kombu import pools

    pools.reset()  # kombu keeps producer pools per broker URL in a registry: start it afresh
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def estate(systems):
    """The simulated systems, without scheduled pulls: beat must not spend the faults a test injects."""
    for system in systems.values():
        system.sync_every_seconds = 0
        system.save(update_fields=["sync_every_seconds"])
    return systems
