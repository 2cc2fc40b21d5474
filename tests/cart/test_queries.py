"""Reading carts and orders costs the same number of queries for 2 rows as for 20."""

import pytest

from tests.factories.carts import CART, line, new_cart
from tests.factories.customers import CustomerFactory
from tests.tmf import queries_for

pytestmark = pytest.mark.django_db


def items(shop, count):
    offerings = [shop.plan, shop.phone, shop.addon, shop.tv, shop.bundle]
    return [line(offerings[i % len(offerings)], 1 + i) for i in range(count)]


def test_a_cart_detail_costs_the_same_for_2_and_20_items(carts_app, shop):
    web = carts_app("web")
    small = new_cart(web, CustomerFactory(), items(shop, 2)).json()["id"]
    large = new_cart(web, CustomerFactory(), items(shop, 20)).json()["id"]
    assert queries_for(lambda: web.get(f"{CART}/{small}")) == queries_for(lambda: web.get(f"{CART}/{large}"))


def test_a_cart_list_costs_the_same_for_2_and_20_carts(carts_app, shop):
    web = carts_app("web")
    for _ in range(2):
        new_cart(web, CustomerFactory(), items(shop, 3))
    two = queries_for(lambda: web.get(CART))
    for _ in range(18):
        new_cart(web, CustomerFactory(), items(shop, 3))
    assert queries_for(lambda: web.get(CART)) == two


def test_an_order_list_costs_the_same_for_2_and_20_orders(carts_app, shop):
    web = carts_app("web")

    def order():
        cart_id = new_cart(web, CustomerFactory(), items(shop, 3)).json()["id"]
        web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY=cart_id)

    orders = "/tmf-api/productOrderingManagement/v4/productOrder"
    for _ in range(2):
        order()
    two = queries_for(lambda: web.get(orders))
    for _ in range(18):
        order()
    assert queries_for(lambda: web.get(orders)) == two
