"""Sending Celery jobs by name from inside a transaction, and the back-off their retries share.

Domain modules name the jobs they start (``"orchestration.tasks.run_task"``) rather than import
them: an app's ``tasks.py`` wraps its domain functions as jobs, so it imports them, and a job
sent by name is what Celery beat and the workers use anyway. Jobs are sent only once the
transaction that asked for them commits (a job that ran before the commit would find nothing
to do). Without a broker (embedded mode) jobs run in the calling process, and delayed ones
are left to the sweepers, which find them by their due time.
"""

import random

from celery.exceptions import NotRegistered
from django.db import transaction

from overlay.celery import app


def broker_less() -> bool:
    """Embedded mode: jobs run eagerly in the calling process, nothing waits in a queue."""
    return bool(app.conf.task_always_eager)


def job(name: str):
    """The Celery task registered as ``name``."""
    try:
        return app.tasks[name]
    except NotRegistered:
        # A web process has not imported the apps' tasks modules yet: discover them, as a worker does at start.
        app.loader.import_default_modules()
        return app.tasks[name]


def send(name: str, *args) -> None:
    """Run the job now (outside a transaction: the sweepers)."""
    job(name).delay(*args)


def enqueue(name: str, *args) -> None:
    """Run the job soon, after the current transaction commits."""
    transaction.on_commit(lambda: job(name).delay(*args), robust=True)


def later(name: str, *args, delay: float) -> None:
    """Run the job after ``delay`` seconds. Without a broker (embedded mode) the sweeper does it."""
    if not broker_less():
        transaction.on_commit(lambda: job(name).apply_async(args, countdown=max(delay, 0)), robust=True)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential back-off with full jitter: somewhere in [0.5, 1.5) x base x 2^(attempt-1), at most cap."""
    return min(cap, base * 2 ** max(attempt - 1, 0)) * (0.5 + random.random())
