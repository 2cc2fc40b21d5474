"""One id per customer request, followed from the channel to the back office.

A request brings its id (``X-Request-ID``, or a W3C ``traceparent``) or is given one; the id is on
every log line written while it is served (``overlay.logs``), comes back in the response's
``X-Request-ID``, travels in the headers of the Celery jobs it starts (``overlay.celery``), of the
back-office calls those make (``adapters.http``) and of the events it causes (``events``). A job
that no request started (beat, the sweepers) goes by its own task id.
"""

import re
import secrets
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass

HEADER = "X-Request-ID"
# What we accept from outside: short, and nothing that could forge a log line or a header.
ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
TRACEPARENT = re.compile(r"^00-(?P<trace>[0-9a-f]{32})-(?P<parent>[0-9a-f]{16})-[0-9a-f]{2}$")


@dataclass(frozen=True)
class Trace:
    request_id: str
    trace_id: str  # W3C trace id: 32 hex digits, never all zeros


_current: ContextVar[Trace | None] = ContextVar("overlay_trace", default=None)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def from_headers(request_id: str | None, traceparent: str | None) -> Trace:
    """The trace of an incoming request or job: its own ids when they are well formed, new ones otherwise."""
    request_id = (request_id or "").strip()
    match = TRACEPARENT.match((traceparent or "").strip().lower())
    trace_id = match["trace"] if match and match["trace"].strip("0") else ""
    if not ACCEPTED_ID.match(request_id):
        request_id = trace_id or new_trace_id()
    if not trace_id:
        trace_id = request_id if re.fullmatch(r"[0-9a-f]{32}", request_id) and request_id.strip("0") else new_trace_id()
    return Trace(request_id=request_id, trace_id=trace_id)


def current() -> Trace | None:
    return _current.get()


def current_id() -> str:
    trace = _current.get()
    return trace.request_id if trace else ""


def activate(trace: Trace) -> Token:
    return _current.set(trace)


def deactivate(token: Token) -> None:
    _current.reset(token)


def outgoing_headers() -> dict[str, str]:
    """Headers for a call made on behalf of the current request: its id, and a W3C traceparent (a new span)."""
    trace = _current.get()
    if trace is None:
        return {}
    return {HEADER: trace.request_id, "traceparent": f"00-{trace.trace_id}-{secrets.token_hex(8)}-01"}


class RequestIdMiddleware:
    """First in the chain: everything after it, the response included, knows the request's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trace = from_headers(request.headers.get(HEADER), request.headers.get("traceparent"))
        request.request_id = trace.request_id
        token = activate(trace)
        try:
            response = self.get_response(request)
        finally:
            deactivate(token)
        response[HEADER] = trace.request_id
        return response
