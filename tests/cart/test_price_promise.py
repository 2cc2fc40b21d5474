"""The price promise: a handed-off cart is charged, in the channel that finishes it, what it was shown.

The shop's plan costs 20.00 a month; the web has a 10% campaign on it (18.00 there).
"""

from decimal import Decimal

import pytest

from cart.models import ShoppingCart
from catalog.models import Campaign
from orchestration.models import ProductOrder
from tests.factories.carts import CART, line, merge_patch, new_cart
from tests.factories.catalog import CampaignFactory, OfferingFactory, PriceFactory

pytestmark = pytest.mark.django_db
HANDOFFS = "/api/v1/handoffs"


def hand_off(client, cart_id) -> str:
    response = client.post(HANDOFFS, {"shoppingCart": {"id": cart_id}}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["code"]


def continue_in(client, code) -> None:
    response = client.post(f"{HANDOFFS}/{code}/claim", format="json")
    assert response.status_code == 200, response.content


def prices_of(body) -> dict[str, list]:
    """Each line's offering name → its charges: (name, duty-free amount, alteration descriptions)."""
    return {
        item["productOffering"]["name"]: [
            (p["name"], p["price"]["dutyFreeAmount"]["value"], [a["description"] for a in p.get("priceAlteration", [])])
            for p in item["itemPrice"]
        ]
        for item in body["cartItem"]
    }


def amount(body, offering_name: str) -> Decimal:
    (charge,) = [
        p for item in body["cartItem"] if item["productOffering"]["name"] == offering_name for p in item["itemPrice"]
    ]
    return Decimal(str(charge["price"]["dutyFreeAmount"]["value"]))


@pytest.fixture
def handed_off(carts_app, shop, alice):
    """Alice's web cart with the plan (18.00 on the web), handed off and claimed in the app."""
    web, mobile = carts_app("web"), carts_app("mobile")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    assert amount(web.get(f"{CART}/{cart_id}").json(), "Unlimited 5G") == Decimal("18.00")
    continue_in(mobile, hand_off(web, cart_id))
    return web, mobile, cart_id


def test_the_app_charges_what_the_web_showed_and_says_why(handed_off, alice):
    _, mobile, cart_id = handed_off
    body = mobile.get(f"{CART}/{cart_id}").json()
    assert amount(body, "Unlimited 5G") == Decimal("18.00")
    ((_, _, trail),) = prices_of(body)["Unlimited 5G"]
    assert trail[0] == "campaign: 10% off for channel web"
    assert trail[1].startswith("promise: the price shown in web at ") and "honoured until" in trail[1]
    (charge,) = body["cartItem"][0]["itemPrice"]
    assert charge["description"].startswith("base price 20.00 EUR; campaign: 10% off for channel web")
    assert charge["description"].endswith("= 18.00 EUR before tax")
    # Checked out in the app: the order is charged the web's price and keeps the trail it was charged with.
    placed = mobile.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert placed.status_code == 201, placed.content
    order = mobile.get(f"/tmf-api/productOrderingManagement/v4/productOrder/{placed.json()['id']}").json()
    (order_charge,) = order["productOrderItem"][0]["itemPrice"]
    assert order_charge["price"]["dutyFreeAmount"]["value"] == 18.0
    assert [a["name"] for a in order_charge["priceAlteration"]] == ["Web 10% off", "Price promised in web"]
    assert order_charge["description"] == charge["description"]
    # The promise ends with the cart; the order stays as charged.
    ShoppingCart.objects.filter(pk=cart_id).update(price_promise={})
    again = mobile.get(f"/tmf-api/productOrderingManagement/v4/productOrder/{placed.json()['id']}").json()
    assert again["productOrderItem"][0]["itemPrice"] == order["productOrderItem"][0]["itemPrice"]
    assert ProductOrder.objects.get().order_total_price[0]["amount"] == "18.00"


def test_lines_added_or_changed_after_the_hand_off_are_priced_for_the_new_channel(handed_off, shop):
    _, mobile, cart_id = handed_off
    added = merge_patch(
        mobile,
        f"{CART}/{cart_id}",
        {"cartItem": [*mobile.get(f"{CART}/{cart_id}").json()["cartItem"], line(shop.plan)]},
    )
    assert added.status_code == 200, added.content
    amounts = sorted(
        Decimal(str(p["price"]["dutyFreeAmount"]["value"])) for i in added.json()["cartItem"] for p in i["itemPrice"]
    )
    assert amounts == [Decimal("18.00"), Decimal("20.00")]  # the promised line, and the new one at the app's price
    # Two of the promised line is a changed line, at the app's price; the promise stays with the one line
    # that is still what the web showed.
    items = added.json()["cartItem"]
    promised = next(i for i in items if i["itemPrice"][0]["price"]["dutyFreeAmount"]["value"] == 18.0)
    promised["quantity"] = 2
    changed = merge_patch(mobile, f"{CART}/{cart_id}", {"cartItem": items})
    assert changed.status_code == 200, changed.content
    amounts = sorted(
        Decimal(str(p["price"]["dutyFreeAmount"]["value"])) for i in changed.json()["cartItem"] for p in i["itemPrice"]
    )
    assert amounts == [Decimal("18.00"), Decimal("40.00")]


def test_a_channel_bound_campaign_stays_in_its_channel(carts_app, shop, alice):
    Campaign.objects.update(channel_bound=True)
    web, mobile = carts_app("web"), carts_app("mobile")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    assert amount(web.get(f"{CART}/{cart_id}").json(), "Unlimited 5G") == Decimal("18.00")
    continue_in(mobile, hand_off(web, cart_id))
    body = mobile.get(f"{CART}/{cart_id}").json()
    assert amount(body, "Unlimited 5G") == Decimal("20.00")
    assert prices_of(body)["Unlimited 5G"][0][2] == []
    # Back on the web the campaign is the web's own again.
    assert amount(web.get(f"{CART}/{cart_id}").json(), "Unlimited 5G") == Decimal("18.00")


def test_the_promise_expires(carts_app, shop, alice, settings):
    settings.PRICE_PROMISE_SECONDS = 0
    web, mobile = carts_app("web"), carts_app("mobile")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    continue_in(mobile, hand_off(web, cart_id))
    assert amount(mobile.get(f"{CART}/{cart_id}").json(), "Unlimited 5G") == Decimal("20.00")


def test_a_lower_price_in_the_new_channel_wins(carts_app, shop, alice, channels):
    CampaignFactory(name="App 25% off", value=Decimal("25"), channels=[channels["mobile"]], offerings=[shop.plan])
    web, mobile = carts_app("web"), carts_app("mobile")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    continue_in(mobile, hand_off(web, cart_id))
    body = mobile.get(f"{CART}/{cart_id}").json()
    assert amount(body, "Unlimited 5G") == Decimal("15.00")
    assert [a[:9] for a in prices_of(body)["Unlimited 5G"][0][2]] == ["campaign:"]


def test_an_anonymous_web_cart_keeps_its_promise_when_merged_into_the_customers_cart(
    carts_app, customer_client, shop, alice
):
    web = carts_app("web")
    existing = new_cart(carts_app("mobile"), alice, [line(shop.addon)]).json()["id"]
    anonymous = new_cart(web, None, [line(shop.plan)]).json()["id"]
    code = hand_off(web, anonymous)
    alice_in_app = customer_client(alice, channel="mobile")
    continue_in(alice_in_app, code)
    body = alice_in_app.get(f"{CART}/{existing}").json()
    assert amount(body, "Unlimited 5G") == Decimal("18.00")
    assert amount(body, "Roaming pack") == Decimal("5.00")


def test_a_campaign_on_the_activation_leaves_the_router_paid(carts_app, channels, alice):
    fibre = OfferingFactory(name="Fibre 500", channels=list(channels.values()))
    activation = PriceFactory(
        offering=fibre, name="Activation", price_type="oneTime", recurring_period="", amount=Decimal("49.00")
    )
    PriceFactory(offering=fibre, name="Router", price_type="oneTime", recurring_period="", amount=Decimal("70.80"))
    free = CampaignFactory(
        name="Free activation",
        value=Decimal("100"),
        applies_to="oneTime",
        channels=[channels["web"]],
        offerings=[fibre],
    )
    free.prices.set([activation])
    web = carts_app("web")
    body = web.get(f"{CART}/{new_cart(web, alice, [line(fibre)]).json()['id']}").json()
    charges = {p["name"]: p["price"]["dutyFreeAmount"]["value"] for p in body["cartItem"][0]["itemPrice"]}
    assert charges == {"Activation": 0.0, "Router": 70.8}
