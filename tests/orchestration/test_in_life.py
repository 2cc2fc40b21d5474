"""In-life changes of what a customer holds: a plan change is charged what a change costs, not a new connection.

Carts, checkout and TMF622 orders price a line by its action: a price says on which actions it is charged
(``charged_on``); without a word, one-time charges come with a new product (add) only.
"""

from decimal import Decimal

import pytest

from tests.factories.carts import new_cart
from tests.factories.catalog import OfferingFactory, PriceFactory
from tests.factories.customers import HeldProductFactory

pytestmark = pytest.mark.django_db
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CHECKOUT = "/api/v1/carts/{}/checkout"


def one_time(offering, name, amount, **extra):
    return PriceFactory(
        offering=offering, name=name, price_type="oneTime", recurring_period="", amount=Decimal(amount), **extra
    )


@pytest.fixture
def large(hybrid, channels):
    """Mobile L, a plan of the same specification as Mobile M; both charge a SIM activation to new lines."""
    one_time(hybrid.plan, "SIM activation", "10")
    plan = OfferingFactory(name="Mobile L", specification=hybrid.plan.specification, channels=list(channels.values()))
    PriceFactory(offering=plan, name="Mobile L monthly", amount=Decimal("35"))
    one_time(plan, "SIM activation", "10")
    return plan


@pytest.fixture
def holding(customer, hybrid):
    return HeldProductFactory(customer=customer, system="mobile", name="Mobile M")


@pytest.fixture
def orders_app(make_client):
    return make_client("web", ("orders:read", "orders:write", "customers:read"))


def order_of(app, customer, *lines) -> dict:
    body = {"productOrderItem": list(lines), "relatedParty": [{"id": customer.pk, "role": "customer"}]}
    response = app.post(ORDERS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def change(number, offering, held) -> dict:
    return {"id": str(number), "action": "modify", "productOffering": {"id": offering.pk}, "product": {"id": held.pk}}


def new(number, offering) -> dict:
    return {"id": str(number), "action": "add", "productOffering": {"id": offering.pk}}


def charges(item: dict) -> dict[str, float]:
    return {p["name"]: p["price"]["dutyFreeAmount"]["value"] for p in item["itemPrice"]}


def test_a_plan_change_is_charged_the_new_plan_not_a_new_connection(orders_app, customer, large, holding):
    order = order_of(orders_app, customer, change(1, large, holding), new(2, large))
    changed, added = order["productOrderItem"]
    assert charges(changed) == {"Mobile L monthly": 35}  # no SIM activation: the SIM is in the phone already
    assert charges(added) == {"Mobile L monthly": 35, "SIM activation": 10}
    totals = {t["priceType"]: t["price"]["dutyFreeAmount"]["value"] for t in order["orderTotalPrice"]}
    assert totals == {"recurring": 70, "oneTime": 10}
    assert changed["product"]["id"] == holding.pk


def test_a_price_says_on_which_actions_it_is_charged(orders_app, customer, large, holding):
    one_time(large, "Plan change fee", "5", charged_on="modify")
    one_time(large, "Number porting", "2", charged_on="add,modify")
    changed, added = order_of(orders_app, customer, change(1, large, holding), new(2, large))["productOrderItem"]
    assert charges(changed) == {"Mobile L monthly": 35, "Plan change fee": 5, "Number porting": 2}
    assert charges(added) == {"Mobile L monthly": 35, "SIM activation": 10, "Number porting": 2}


def test_a_cart_shows_a_change_at_the_price_checkout_charges(carts_app, customer, large, holding):
    web = carts_app("web")
    cart = new_cart(
        web, customer, [{"action": "modify", "productOffering": {"id": large.pk}, "product": {"id": holding.pk}}]
    ).json()
    shown = cart["cartItem"][0]["itemPrice"]
    assert [p["priceType"] for p in shown] == ["recurring"]
    placed = web.post(CHECKOUT.format(cart["id"]), {}, format="json", HTTP_IDEMPOTENCY_KEY="change-1")
    assert placed.status_code == 201, placed.content
    assert charges(placed.json()["productOrderItem"][0]) == {"Mobile L monthly": 35}


def test_changing_what_another_customer_holds_is_refused(orders_app, customer, bob, large):
    theirs = HeldProductFactory(customer=bob, system="mobile", name="Mobile M")
    body = {"productOrderItem": [change(1, large, theirs)], "relatedParty": [{"id": customer.pk, "role": "customer"}]}
    response = orders_app.post(ORDERS, body, format="json")
    assert response.status_code == 422 and "You hold no product" in response.json()["message"]
