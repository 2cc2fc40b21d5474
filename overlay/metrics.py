"""Prometheus metrics: what each process counts, and what is read from the database when scraped.

Counted as it happens, in every web and Celery process: request latency per route (the URL
pattern's name, never the raw path) and status, database queries per request, Celery jobs by task
and outcome, cart checkouts and hand-off claims. With ``PROMETHEUS_MULTIPROC_DIR`` set (several
gunicorn workers, Celery workers) each process writes its numbers to files in that directory and
the process that answers ``/metrics`` adds them all up; without it (one process, the demo) they
live in memory. Read at scrape, from the database, once: whatever the apps register
(``overlay.registry.collector``: fulfilment tasks, the outbox, sync lag and quarantine, circuit breakers).

Served by ``overlay.views.metrics`` to whom ``METRICS_TOKEN``/``METRICS_ALLOWED_NETWORKS`` allow.
Domain code imports this module to count (``CART_CHECKOUTS``): it knows nothing of HTTP.
"""

import logging
import os
import time
from collections.abc import Iterable

from celery.signals import task_postrun, task_prerun
from django.db import connection
from django.db.models import Count, QuerySet
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from overlay import registry

logger = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "overlay_http_request_duration_seconds",
    "Time to answer a request, per route (URL pattern name), method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_QUERIES = Histogram(
    "overlay_http_request_db_queries",
    "Database queries made to answer a request, per route.",
    ["route"],
    buckets=(0, 1, 2, 4, 8, 16, 32, 64, 128),
)
JOBS = Counter("overlay_celery_tasks_total", "Celery jobs run, by task and outcome.", ["task", "outcome"])
JOB_SECONDS = Histogram(
    "overlay_celery_task_duration_seconds",
    "Time a Celery job ran, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120),
)
CART_CHECKOUTS = Counter("overlay_cart_checkouts_total", "Carts checked out (orders placed), by channel.", ["channel"])
HANDOFF_CLAIMS = Counter(
    "overlay_handoff_claims_total", "Hand-off codes claimed, by the claiming channel.", ["channel"]
)

UNMATCHED = "unmatched"  # requests no URL pattern matched: one label, whatever the path


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


class MetricsMiddleware:
    """Times every request and counts its database queries; labels it with its URL pattern, not its path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        route = route_of(request)
        REQUEST_SECONDS.labels(route, request.method, str(response.status_code)).observe(time.perf_counter() - started)
        REQUEST_QUERIES.labels(route).observe(queries)
        return response


_job_started: dict[str, float] = {}


@task_prerun.connect
def _job_start(task_id: str = "", **kwargs) -> None:
    _job_started[task_id] = time.perf_counter()


@task_postrun.connect
def _job_end(task_id: str = "", task=None, state: str | None = None, **kwargs) -> None:
    started = _job_started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    JOBS.labels(name, (state or "unknown").lower()).inc()
    if started is not None:
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)


def gauge_of_counts(name: str, documentation: str, rows: QuerySet, fields: dict[str, str]) -> GaugeMetricFamily:
    """A gauge of ``rows`` counted per group, in one query; ``fields``: label name -> field to group by."""
    gauge = GaugeMetricFamily(name, documentation, labels=list(fields))
    columns = list(fields.values())
    for row in rows.values(*columns).annotate(count=Count("pk")).order_by(*columns):
        gauge.add_metric([str(row[column]) for column in columns], row["count"])
    return gauge


class ReadAtScrape:
    """The apps' collectors, run when scraped; one that fails is reported (``overlay_collector_up``), not fatal."""

    def collect(self) -> Iterable:
        registry.discover()
        up = GaugeMetricFamily("overlay_collector_up", "1 when a collector could read its numbers.", labels=["name"])
        for name, collect in sorted(registry.COLLECTORS.items()):
            try:
                families = list(collect())
            except Exception as problem:
                logger.warning("metrics collector %s failed: %s", name, problem)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def counted() -> CollectorRegistry:
    """What the processes counted: all of them (multiprocess mode, summed from their files) or this one."""
    if not multiprocess_dir():
        return REGISTRY
    every_process = CollectorRegistry()
    multiprocess.MultiProcessCollector(every_process)
    return every_process


def exposition() -> bytes:
    """Every metric, in Prometheus's text format: the counts, then what is read from the database now."""
    live = CollectorRegistry(auto_describe=False)
    live.register(ReadAtScrape())
    return generate_latest(counted()) + generate_latest(live)


def process_exited(pid: int) -> None:
    """gunicorn's ``child_exit`` hook: a dead worker's live-only numbers (none here: counters and
    histograms are kept) are let go of, as prometheus_client asks in multiprocess mode."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
