"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database reachable and migrated,
cache and broker reachable), for load balancers and orchestrators polling every second.

No authentication and nothing personal: only "ok" or the kind of problem. ``/readyz`` answers 503
when a required check fails; what the apps add (``overlay.registry.readiness``, e.g. each back-office
system's circuit breaker) is reported too, and only the required ones count. The whole answer is
kept for ``READINESS_CACHE_SECONDS`` (1 s) per process: polling costs at most one query a second.
"""

import functools
import logging
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from overlay import registry
from overlay.jobs import broker_less

logger = logging.getLogger(__name__)

_cached: tuple[float, dict] | None = None
_cached_lock = threading.Lock()


@functools.cache
def migrations_on_disk() -> frozenset[tuple[str, str]]:
    """Every migration this code knows of (read once per process: the code does not change under it)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def database_check() -> dict:
    """Reachable, and every migration of this code applied: one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = set(cursor.fetchall())
    unapplied = len(migrations_on_disk() - applied)
    return {"ok": unapplied == 0, "unappliedMigrations": unapplied}


def cache_check() -> dict:
    key, token = "overlay:readyz", secrets.token_hex(4)
    cache.set(key, token, 10)
    return {"ok": cache.get(key) == token}


def broker_check() -> dict:
    if broker_less():
        return {"ok": True, "mode": "embedded"}
    from overlay.celery import app

    with app.connection_for_write(connect_timeout=settings.READINESS_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=settings.READINESS_TIMEOUT_SECONDS)
    return {"ok": True}


KERNEL_CHECKS = (
    registry.Readiness("database", database_check, True),
    registry.Readiness("cache", cache_check, True),
    registry.Readiness("broker", broker_check, True),
)


def _run(check: registry.Readiness) -> dict:
    try:
        return check.check()
    except Exception as problem:
        logger.warning("readiness check %s failed: %s", check.name, problem)
        return {"ok": False, "error": type(problem).__name__}


def readiness_report() -> dict:
    """Every check's answer and the verdict, computed at most once per ``READINESS_CACHE_SECONDS``."""
    global _cached
    now = time.monotonic()
    with _cached_lock:
        if _cached is not None and now - _cached[0] < settings.READINESS_CACHE_SECONDS:
            return _cached[1]
        registry.discover()
        checks = [*KERNEL_CHECKS, *registry.READINESS.values()]
        results = {check.name: _run(check) for check in checks}
        ready = all(results[check.name].get("ok") for check in checks if check.required)
        report = {"status": "ready" if ready else "notReady", "checks": results}
        _cached = (now, report)
        return report


def forget() -> None:
    """Drop the cached answer (tests; a process that knows its state changed)."""
    global _cached
    with _cached_lock:
        _cached = None


@never_cache
@require_safe
def healthz(request):
    """The process is up and answering; nothing else is looked at."""
    return JsonResponse({"status": "alive"})


@never_cache
@require_safe
def readyz(request):
    report = readiness_report()
    return JsonResponse(report, status=200 if report["status"] == "ready" else 503)
