"""A customer's request followed from the channel to the back office, across processes.

The checkout is served here; its order's fulfilment runs in a real Celery worker process (Redis
broker), which calls the simulated fixed-line system over HTTP. The worker logs JSON lines, and
the line of that back-office call carries the id the channel gave the checkout request.
"""

import json

import pytest

from tests.e2e.test_fulfilment_e2e import wait_for
from tests.factories.carts import line, new_cart

pytestmark = pytest.mark.django_db(transaction=True)
REQUEST_ID = "shop-checkout-7f3a9c"


@pytest.fixture
def json_worker_logs(monkeypatch):
    """The worker (started after this) logs JSON lines, its back-office calls included (DEBUG)."""
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVELS", "adapters.http=DEBUG")


def lines_of(worker) -> list[dict]:
    parsed = []
    for text in worker.log().splitlines():
        try:
            parsed.append(json.loads(text))
        except ValueError:
            continue  # what Celery prints itself at start (its banner)
    return parsed


def test_the_back_office_call_of_a_checkout_logs_the_checkout_request_id(
    json_worker_logs, celery_worker, systems, hybrid, customer, carts_app
):
    for system in systems.values():  # no scheduled pulls: only the checkout's calls reach the systems
        system.sync_every_seconds = 0
        system.save(update_fields=["sync_every_seconds"])
    web = carts_app("web")
    cart = new_cart(web, customer, [line(hybrid.fibre)])
    response = web.post(
        f"/api/v1/carts/{cart.json()['id']}/checkout",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="request-id-e2e",
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == REQUEST_ID

    def back_office_lines():
        found = [
            entry
            for entry in lines_of(celery_worker)
            if entry.get("logger") == "adapters.http" and entry["message"].startswith("fixed POST")
        ]
        return found or None

    calls = wait_for(back_office_lines, celery_worker, what="the fixed system's call in the worker's log")
    assert {entry["requestId"] for entry in calls} == {REQUEST_ID}
    assert all(entry["process"] != 0 and entry["level"] == "DEBUG" for entry in calls)
    # Nothing of httpx's own per-request INFO lines.
    assert not [entry for entry in lines_of(celery_worker) if entry.get("logger") == "httpx"]
