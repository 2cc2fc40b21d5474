"""A checkout costs a constant, small number of queries, however many items the cart holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cart.models import ShoppingCart
from catalog import selectors as catalog_selectors
from events.services import forget_listeners
from tests.factories.carts import line, new_cart
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db
MAX_QUERIES_PER_CHECKOUT = 14  # the goal is 15; docs/benchmarks.md says where they go
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def items(shop, count):
    offerings = [shop.plan, shop.phone, shop.addon]  # none needs the address checked with a system
    return [line(offerings[i % len(offerings)], 1 + i) for i in range(count)]


def checkout(app, cart_id: str) -> tuple[int, list[str]]:
    forget_listeners()  # each request is a transaction of its own (here all run inside the test's)
    with CaptureQueriesContext(connection) as captured:
        response = app.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY=cart_id)
    assert response.status_code == 201, response.content
    return response, [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(SAVEPOINTS)]


def test_a_checkout_costs_the_same_queries_for_2_and_20_items(carts_app, shop, settings):
    settings.PRICING_DATA_CACHE = True  # as in production: the catalog's pricing data is kept per revision
    catalog_selectors.forget_catalog_data()  # kept by another test at the same revision
    web = carts_app("web")
    warm = new_cart(web, CustomerFactory(), items(shop, 3)).json()["id"]
    checkout(web, warm)  # the token, catalog revision and catalog data of the offerings, kept as in steady state
    small = new_cart(web, CustomerFactory(), items(shop, 2)).json()["id"]
    large = new_cart(web, CustomerFactory(), items(shop, 20)).json()["id"]

    _, two = checkout(web, small)
    response, twenty = checkout(web, large)

    import os

    if os.environ.get("SHOWQ"):
        for q in twenty:
            print("Q:", q[:400])
    assert len(two) == len(twenty) <= MAX_QUERIES_PER_CHECKOUT, (len(two), len(twenty))
    assert ShoppingCart.objects.get(pk=large).status == ShoppingCart.Status.CHECKED_OUT
    # The order is rendered as it was taken, without reading it back: exactly as reading it shows it.
    order = response.json()
    assert len(order["productOrderItem"]) == 20
    assert web.get(f"{ORDERS}/{order['id']}").json() == order
