"""The Celery application. Tasks live in each app's ``tasks.py``.

A job carries the id of the request that started it (``overlay.requestid``) in its message headers;
the worker's log lines while it runs carry it, and so do the jobs and back-office calls it makes.
A job nobody's request started (beat, the sweepers) goes by its own task id.
"""

import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from overlay import requestid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "overlay.settings")

app = Celery("overlay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "overlay_request_id"
TRACE_ID_HEADER = "overlay_trace_id"
_active: dict[str, object] = {}  # task id -> the context token to restore when it ends


@setup_logging.connect
def _logging_from_settings(**kwargs) -> None:
    """Workers keep Django's LOGGING (overlay.logs) instead of Celery's own set-up."""


@before_task_publish.connect
def _carry_request_id(headers: dict | None = None, **kwargs) -> None:
    trace = requestid.current()
    if trace is not None and headers is not None:
        headers[REQUEST_ID_HEADER] = trace.request_id
        headers[TRACE_ID_HEADER] = trace.trace_id


def _header(task, name: str) -> str | None:
    request = task.request
    return getattr(request, name, None) or (getattr(request, "headers", None) or {}).get(name)


@task_prerun.connect
def _adopt_request_id(task_id: str = "", task=None, **kwargs) -> None:
    request_id = _header(task, REQUEST_ID_HEADER)
    if request_id is None and requestid.current() is not None:
        return  # run eagerly in the request's own process: its id is already there
    trace_id = _header(task, TRACE_ID_HEADER)
    traceparent = f"00-{trace_id}-{'0' * 15}1-01" if trace_id else None
    _active[task_id] = requestid.activate(requestid.from_headers(request_id or task_id, traceparent))


@task_postrun.connect
def _forget_request_id(task_id: str = "", **kwargs) -> None:
    token = _active.pop(task_id, None)
    if token is not None:
        requestid.deactivate(token)
