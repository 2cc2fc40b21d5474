"""Listeners receive only what their principal may read, and Overlay calls back only to public hosts.

Regressions: registering a listener on any /hub needed no scope, so an application with no scopes
received customers' names, every channel's orders (customer ids, prices, addresses) and cart events;
a callback of http://127.0.0.1:<simulator port>/_control/reset_stats made Overlay POST there.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from events import dispatch
from events.models import EventDelivery, EventSubscription, OutboxEvent
from overlay.models import ApiClient
from tests.factories.orders import item, place
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db(transaction=True)
HUBS = {
    "/tmf-api/productCatalogManagement/v4/hub": "catalog:read",
    "/tmf-api/customerManagement/v4/hub": "customers:read",
    "/tmf-api/party/v4/hub": "customers:read",
    "/tmf-api/productInventory/v4/hub": "customers:read",
    "/tmf-api/shoppingCart/v4/hub": "carts:read",
    "/tmf-api/productOfferingQualification/v4/hub": "carts:read",
    "/tmf-api/productOrderingManagement/v4/hub": "orders:read",
}
ORDERS_HUB = "/tmf-api/productOrderingManagement/v4/hub"
CREATED = "eventType=ProductOrderCreateEvent"  # one event per order placed


def test_listening_needs_the_read_scope_of_what_the_hub_publishes(make_client, listener):
    nothing = make_client("web", ())
    for hub, scope in HUBS.items():
        assert_tmf_error(nothing.post(hub, {"callback": listener.url}, format="json"), 403)
        other = next(s for s in set(HUBS.values()) if s != scope)
        assert_tmf_error(make_client("web", (other,)).post(hub, {"callback": listener.url}, format="json"), 403)
        assert make_client("web", (scope,)).post(hub, {"callback": listener.url}, format="json").status_code == 201
    assert EventSubscription.objects.count() == len(HUBS)


def test_a_listener_whose_application_lost_the_scope_or_was_revoked_gets_nothing_more(
    make_client, listener, hybrid, customer, settings
):
    settings.EVENT_MAX_ATTEMPTS = 2
    readers = [make_client("web", ("orders:read",)) for _ in range(2)]
    for reader in readers:
        assert reader.post(ORDERS_HUB, {"callback": listener.url, "query": CREATED}, format="json").status_code == 201
    listener.down = True
    place(customer, [item(1, hybrid.streaming)])  # one delivery each, pending while the listener is down
    assert EventDelivery.objects.count() == 2
    ApiClient.objects.filter(pk=readers[0].api_client.pk).update(scopes=["carts:read"])
    ApiClient.objects.filter(pk=readers[1].api_client.pk).update(is_active=False)
    listener.down = False
    dispatch.dispatch()
    assert listener.received == []
    assert set(EventDelivery.objects.values_list("state", flat=True)) == {"gaveUp"}
    place(customer, [item(1, hybrid.streaming)])  # new events: no deliveries at all
    assert EventDelivery.objects.count() == 2 and OutboxEvent.objects.count() > 2


@pytest.mark.parametrize(
    "callback",
    [
        "http://127.0.0.1:8100/_control/reset_stats",  # the simulator, or any service on the machine
        "http://localhost:9/x",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://10.0.0.5/x",
        "http://[::1]:8000/x",
        "http://100.64.1.1/x",
        "https://user:secret@93.184.215.14/x",
        "ftp://93.184.215.14/x",
    ],
)
def test_callbacks_to_internal_addresses_are_refused(make_client, settings, callback):
    settings.EVENT_CALLBACK_INTERNAL_HOSTS = []
    reader = make_client("web", ("orders:read",))
    assert_tmf_error(reader.post(ORDERS_HUB, {"callback": callback}, format="json"), 422)
    assert not EventSubscription.objects.exists()


def test_http_is_refused_unless_allowed(make_client, settings):
    settings.EVENT_CALLBACK_HTTP = False
    reader = make_client("web", ("orders:read",))
    assert_tmf_error(reader.post(ORDERS_HUB, {"callback": "http://93.184.215.14/x"}, format="json"), 422)
    assert reader.post(ORDERS_HUB, {"callback": "https://93.184.215.14/x"}, format="json").status_code == 201


def test_the_callback_is_checked_again_before_every_delivery(make_client, listener, hybrid, customer, settings):
    reader = make_client("web", ("orders:read",))
    assert reader.post(ORDERS_HUB, {"callback": listener.url, "query": CREATED}, format="json").status_code == 201
    settings.EVENT_CALLBACK_INTERNAL_HOSTS = []  # loopback is no longer allowed (or the host now resolves there)
    place(customer, [item(1, hybrid.streaming)])
    dispatch.dispatch()
    assert listener.received == []
    delivery = EventDelivery.objects.get()
    assert delivery.state == "gaveUp" and "internal address" in delivery.last_error


def test_redirects_are_not_followed(make_client, listener, hybrid, customer):
    hits = []

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            hits.append(self.path)
            self.send_response(307)
            self.send_header("Location", listener.url)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reader = make_client("web", ("orders:read",))
        callback = f"http://127.0.0.1:{server.server_address[1]}/hook"
        assert reader.post(ORDERS_HUB, {"callback": callback, "query": CREATED}, format="json").status_code == 201
        place(customer, [item(1, hybrid.streaming)])
        dispatch.dispatch()
    finally:
        server.shutdown()
    assert hits and listener.received == []
    assert EventDelivery.objects.get().last_error == "HTTP 307"
