"""Real threads against PostgreSQL: no lost update, one order per idempotency key."""

import threading

import pytest
from django.db import connection

from cart.models import CartItem
from orchestration.models import ProductOrder
from tests.factories.carts import line, new_cart

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work) -> list:
    """Start ``count`` threads at once; each runs ``work(i)`` with its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_adds_from_two_channels_all_land(carts_app, shop, alice):
    web, mobile = carts_app("web"), carts_app("mobile")
    cart_id = new_cart(web, alice).json()["id"]
    clients = [web, mobile]

    def add(i):
        return clients[i % 2].post(f"/api/v1/carts/{cart_id}/items", line(shop.plan, 1 + i), format="json").status_code

    statuses = run_together(10, add)
    assert statuses == [201] * 10
    assert sorted(CartItem.objects.filter(cart_id=cart_id).values_list("quantity", flat=True)) == list(range(1, 11))
    assert web.get(f"/tmf-api/shoppingCart/v4/shoppingCart/{cart_id}")["ETag"].startswith('"11-')


def test_concurrent_quantity_changes_are_serialised(carts_app, shop, alice):
    web, mobile = carts_app("web"), carts_app("mobile")
    cart = new_cart(web, alice, [line(shop.plan)]).json()
    item_id = cart["cartItem"][0]["id"]
    etag = web.get(f"/tmf-api/shoppingCart/v4/shoppingCart/{cart['id']}")["ETag"]

    def change(i):
        client = [web, mobile][i % 2]
        return client.patch(
            f"/api/v1/carts/{cart['id']}/items/{item_id}", {"quantity": 5 + i}, format="json", HTTP_IF_MATCH=etag
        ).status_code

    statuses = run_together(6, change)
    # Everyone read the same version: exactly one write wins, the others are told to read again.
    assert sorted(statuses) == [200] + [412] * 5


def test_twenty_concurrent_checkouts_with_one_key_make_one_order(carts_app, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]

    def checkout(i):
        response = web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
        return response.status_code, response.json().get("id")

    results = run_together(20, checkout)
    assert {status for status, _ in results} == {201}
    assert len({order_id for _, order_id in results}) == 1
    assert ProductOrder.objects.count() == 1
