"""``/metrics``: only for the scraper the settings allow; routes by pattern; numbers read cheaply at scrape;
counts shared by several processes (multiprocess mode)."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.urls import resolve
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from adapters.http import breaker_for
from adapters.models import BackOfficeSystem, QuarantinedRecord, SyncCursor
from cart.handoffs import handoff_claim, handoff_create
from events.models import EventDelivery, EventSubscription, OutboxEvent
from orchestration.models import FulfilmentTask
from tests.factories.carts import CartFactory, line, new_cart
from tests.factories.orders import OrderItemFactory
from tests.factories.users import application
from tests.fixtures.simulator import ROOT
from tests.tmf import assert_tmf_error

TOKEN = "scrape-token-of-the-monitoring-system"


def samples(body: bytes) -> dict[tuple, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def scrape(client, **extra):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **extra)


@pytest.fixture
def token_required(settings):
    settings.METRICS_TOKEN = TOKEN


@pytest.mark.parametrize(
    "caller",
    ["anonymous", "wrong token", "basic auth", "application with every scope", "customer token", "staff session"],
)
def test_nobody_but_the_scraper_gets_anything(caller, client, db, token_required, make_client, customer_client):
    from overlay.services import KNOWN_SCOPES
    from tests.factories.customers import CustomerFactory

    headers = {}
    if caller == "wrong token":
        headers["HTTP_AUTHORIZATION"] = "Bearer not-the-token"
    elif caller == "basic auth":
        headers["HTTP_AUTHORIZATION"] = f"Basic {TOKEN}"
    elif caller == "application with every scope":
        client = make_client("web", tuple(KNOWN_SCOPES))
    elif caller == "customer token":
        client = customer_client(CustomerFactory())
    elif caller == "staff session":
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    response = client.get("/metrics", **headers)
    assert_tmf_error(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"overlay_" not in response.content and b"# HELP" not in response.content


def test_the_token_from_outside_the_allowed_networks_is_403(client, db, token_required, settings):
    response = scrape(client, REMOTE_ADDR="10.1.2.3")
    assert_tmf_error(response, 403)
    assert b"overlay_" not in response.content
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = []  # the token alone
    assert scrape(client, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_without_a_token_the_allowed_networks_decide(client, db, settings):
    assert client.get("/metrics").status_code == 200  # loopback: the default
    assert_tmf_error(client.get("/metrics", REMOTE_ADDR="203.0.113.9"), 403)
    assert_tmf_error(client.get("/metrics", REMOTE_ADDR="not-an-address"), 403)
    # The peer's address decides: headers a client writes itself name no network.
    spoofed = {"HTTP_X_FORWARDED_FOR": "127.0.0.1", "HTTP_X_REAL_IP": "127.0.0.1", "HTTP_FORWARDED": "for=127.0.0.1"}
    assert_tmf_error(client.get("/metrics", REMOTE_ADDR="203.0.113.9", **spoofed), 403)


def test_metrics_can_be_switched_off_and_are_read_only(client, db, token_required, settings):
    assert scrape(client).status_code == 200
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    settings.METRICS_ENABLED = False
    assert_tmf_error(scrape(client), 404)


def test_requests_are_timed_per_route_pattern_never_per_raw_path(client, db, token_required, manager):
    path = "/tmf-api/productCatalogManagement/v4/productOffering/a1b2c3d4-raw-id"
    route = resolve(path).view_name
    for _ in range(2):
        assert manager.get(path).status_code == 404
    client.get("/no/such/page/9f8e7d")
    body = scrape(client).content
    seen = samples(body)
    key = ("overlay_http_request_duration_seconds_count", (("method", "GET"), ("route", route), ("status", "404")))
    assert seen[key] >= 2
    assert seen[("overlay_http_request_db_queries_count", (("route", route),))] >= 2
    assert (
        "overlay_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "unmatched"), ("status", "404")),
    ) in seen
    assert b"a1b2c3d4" not in body and b"9f8e7d" not in body


def _world(rows: int) -> None:
    """``rows`` of each thing the scrape reads: open tasks, pending deliveries, cursors, quarantined records."""
    item = OrderItemFactory()
    systems = [BackOfficeSystem.objects.create(code=f"sys{n}", name=f"S{n}", adapter="x.Y") for n in range(2)]
    for n in range(rows):
        FulfilmentTask.objects.create(
            order=item.order,
            item=item,
            key=f"k{n}",
            system=systems[n % 2].code,
            task="provision",
            reference=uuid.uuid4().hex,
            state=[FulfilmentTask.State.READY, FulfilmentTask.State.RETRYING, FulfilmentTask.State.DONE][n % 3],
        )
        listener = EventSubscription.objects.create(api="productOrderingManagement", callback="https://l/e", owner="x")
        event = OutboxEvent.objects.create(
            api="productOrderingManagement", event_type="E", resource_type="R", resource_id=str(n), payload={}
        )
        state = EventDelivery.State.GAVE_UP if n == 0 else EventDelivery.State.PENDING
        EventDelivery.objects.create(event=event, subscription=listener, resource_key=f"R:{n}", state=state)
        SyncCursor.objects.create(system=systems[n % 2], stream=f"stream{n}")
        QuarantinedRecord.objects.create(system=systems[0], stream="customers", payload={}, error="unmapped")
    OutboxEvent.objects.filter(resource_id="1").update(created_at=timezone.now() - timedelta(minutes=5))


@pytest.mark.parametrize("rows", [2, 20])
def test_the_scrape_reads_the_database_in_five_queries_whatever_the_rows(
    rows, client, db, token_required, django_assert_num_queries
):
    _world(rows)
    with django_assert_num_queries(5):  # outbox, fulfilment, and systems, cursors, quarantine
        response = scrape(client)
    seen = samples(response.content)
    open_tasks = sum(v for (name, _), v in seen.items() if name == "overlay_fulfilment_tasks")
    assert open_tasks == rows - len(range(2, rows, 3))  # the done ones are not counted
    assert seen[("overlay_fulfilment_tasks", (("state", "ready"), ("system", "sys0")))] >= 1
    assert seen[("overlay_outbox_pending_deliveries", ())] == rows - 1
    assert seen[("overlay_outbox_gave_up_deliveries", ())] == 1
    assert 299 <= seen[("overlay_outbox_oldest_pending_age_seconds", ())] < 400
    assert seen[("overlay_sync_quarantined_records", (("stream", "customers"), ("system", "sys0")))] == rows
    assert 0 <= seen[("overlay_sync_lag_seconds", (("stream", "stream0"), ("system", "sys0")))] < 60
    assert seen[("overlay_backoffice_circuit_open", (("system", "sys1"),))] == 0
    assert {v for (name, _), v in seen.items() if name == "overlay_collector_up"} == {1}


def test_an_open_circuit_shows_and_a_failing_collector_does_not_hide_the_others(
    client, db, token_required, monkeypatch
):
    from overlay import registry

    BackOfficeSystem.objects.create(code="billing", name="Billing", adapter="x.Y")
    breaker = breaker_for("billing")
    for _ in range(breaker.threshold):
        breaker.record(False)

    def broken():
        raise RuntimeError("cannot read")

    monkeypatch.setitem(registry.COLLECTORS, "broken", broken)
    seen = samples(scrape(client).content)
    assert seen[("overlay_backoffice_circuit_open", (("system", "billing"),))] == 1
    assert seen[("overlay_collector_up", (("name", "broken"),))] == 0
    assert seen[("overlay_collector_up", (("name", "outbox"),))] == 1


def _count(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0


def test_checkouts_claims_and_celery_jobs_are_counted(carts_app, shop, alice):
    from overlay.jobs import job

    web, before = carts_app("web"), _count("overlay_cart_checkouts_total", channel="web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    response = web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    assert response.status_code == 201
    web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="m-1")  # a replay
    assert _count("overlay_cart_checkouts_total", channel="web") == before + 1

    claims = _count("overlay_handoff_claims_total", channel="store")
    cart = CartFactory(customer=alice, channel="web")
    created = handoff_create(cart.pk, application(["carts:write"], "web"), {})
    handoff_claim(created.code, application(["carts:write"], "store"))
    assert _count("overlay_handoff_claims_total", channel="store") == claims + 1

    name = "events.tasks.sweep_events_task"
    ran = _count("overlay_celery_tasks_total", task=name, outcome="success")
    job(name).delay()  # eager here: the same signals as in a worker
    assert _count("overlay_celery_tasks_total", task=name, outcome="success") == ran + 1
    assert _count("overlay_celery_task_duration_seconds_count", task=name) >= 1


COUNT_ONE_CHECKOUT = "from overlay.metrics import CART_CHECKOUTS; CART_CHECKOUTS.labels('{channel}').inc()"
EXPOSE = (
    "import sys; from prometheus_client import generate_latest; from overlay.metrics import counted; "
    "sys.stdout.write(generate_latest(counted()).decode())"
)


def test_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """As gunicorn's workers and Celery's do: each writes its counts, the scraped process sums them."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    for channel in ("web", "web", "store"):
        run(COUNT_ONE_CHECKOUT.format(channel=channel))
    assert len(list(tmp_path.glob("counter_*.db"))) == 3
    seen = samples(run(EXPOSE).encode())
    assert seen[("overlay_cart_checkouts_total", (("channel", "web"),))] == 2
    assert seen[("overlay_cart_checkouts_total", (("channel", "store"),))] == 1
