"""Request ids: taken from the caller or made, returned, on every log line, sent to back offices and listeners.

The worker side (a job's log lines carry the id of the request that started it, across processes)
is tested end to end in tests/e2e/test_request_id_e2e.py.
"""

import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from adapters.http import BackOfficeClient
from events.services import publish, subscription_register
from overlay import requestid
from overlay.logs import JsonFormatter, RequestIdFilter, logging_config
from tests.factories.users import application

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_the_callers_id_is_kept_and_returned(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="channel-42.a")
    assert response["X-Request-ID"] == "channel-42.a"


def test_a_w3c_traceparent_gives_the_id_when_there_is_no_x_request_id(client):
    response = client.get("/healthz", HTTP_TRACEPARENT=f"00-{TRACE}-00f067aa0ba902b7-01")
    assert response["X-Request-ID"] == TRACE


@pytest.mark.parametrize("sent", ["", "two words", "line\nbreak", "x" * 129, "<script>"])
def test_a_missing_or_unsafe_id_is_replaced_by_a_new_one(client, sent):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
    made = response["X-Request-ID"]
    assert made != sent and len(made) == 32 and int(made, 16)
    assert client.get("/healthz")["X-Request-ID"] != made


def test_an_all_zero_or_malformed_traceparent_is_ignored():
    assert requestid.from_headers(None, f"00-{'0' * 32}-00f067aa0ba902b7-01").trace_id != "0" * 32
    trace = requestid.from_headers("abc", "01-nonsense")
    assert trace.request_id == "abc" and len(trace.trace_id) == 32


def _json_lines(records: list[logging.LogRecord]) -> list[dict]:
    return [json.loads(JsonFormatter().format(r)) for r in records]


def test_every_log_line_is_one_json_object_with_the_request_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.request_ids")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        token = requestid.activate(requestid.from_headers("req-1", None))
        try:
            logger.warning("checkout of %s", "cart 1")
            try:
                raise ValueError("boom")
            except ValueError:
                logger.exception("failed")
        finally:
            requestid.deactivate(token)
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    first, failed, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "checkout of cart 1" and first["requestId"] == "req-1"
    assert first["level"] == "WARNING" and first["logger"] == "tests.request_ids" and first["time"].endswith("Z")
    assert failed["requestId"] == "req-1" and "ValueError: boom" in failed["exception"]
    assert outside["requestId"] == "-"


def test_json_is_the_default_without_debug_and_httpx_stays_at_warning():
    assert settings.LOG_FORMAT == "json"  # the test settings run with DEBUG off
    config = settings.LOGGING
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["loggers"]["httpx"] == {"level": "WARNING"}
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    chosen = logging_config(log_format="text", level="INFO", levels={"adapters.http": "DEBUG"})
    assert chosen["loggers"]["adapters.http"] == {"level": "DEBUG"} and chosen["loggers"]["httpx"]["level"] == "WARNING"


@pytest.fixture
def back_office():
    """A back-office stand-in on loopback that records the headers it is sent."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append(dict(self.headers))
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_back_office_calls_carry_the_id_and_log_it_at_debug_without_httpx_lines(back_office, caplog):
    url, seen = back_office
    client = BackOfficeClient(system_code="billing", base_url=url)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="adapters.http")
    caplog.handler.addFilter(RequestIdFilter())  # as the console handler does, when each line is written
    token = requestid.activate(requestid.from_headers("req-bo", f"00-{TRACE}-00f067aa0ba902b7-01"))
    try:
        assert client.get_json("/accounts") == {"ok": True}
    finally:
        requestid.deactivate(token)
    assert client.get_json("/later") == {"ok": True}  # the same client, outside any request
    client.close()
    assert seen[0]["X-Request-ID"] == "req-bo"
    version, trace, span, flags = seen[0]["traceparent"].split("-")
    assert (version, trace, flags) == ("00", TRACE, "01") and span != "00f067aa0ba902b7"
    assert "X-Request-ID" not in seen[1] and "traceparent" not in seen[1]
    calls = [r for r in caplog.records if r.name == "adapters.http"]
    assert [line["requestId"] for line in _json_lines(calls)] == ["req-bo", "-"]
    assert calls[0].getMessage().startswith("billing GET /accounts: HTTP 200 in ")
    assert not [r for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]


def test_an_event_carries_the_id_of_the_request_that_caused_it(db, listener):
    from events.dispatch import dispatch

    subscription_register(
        api="productOrderingManagement", callback=listener.url, query="", principal=application(["orders:read"])
    )
    token = requestid.activate(requestid.from_headers("req-ev", None))
    try:
        row = publish(
            api="productOrderingManagement",
            event_type="ProductOrderCreateEvent",
            resource_type="ProductOrder",
            resource_id="o1",
            event={"productOrder": {"id": "o1"}},
            visible_to=lambda principal: True,
        )
    finally:
        requestid.deactivate(token)
    assert row.request_id == "req-ev"
    dispatch()
    (body, headers), *_ = listener.received
    assert headers["X-Request-ID"] == "req-ev" and json.loads(body)["eventId"] == row.event_id
