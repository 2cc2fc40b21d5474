from decimal import Decimal

import pytest

from cart.models import ShoppingCart
from customers.models import Interaction
from orchestration.models import ProductOrder
from overlay.models import IdempotencyRecord
from tests.factories.carts import CART, line, new_cart
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"


def checkout(client, cart_id, key="key-1", body=None, **headers):
    return client.post(
        f"/api/v1/carts/{cart_id}/checkout", body or {}, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers
    )


def test_checkout_makes_an_acknowledged_order_with_the_priced_snapshot(carts_app, shop, alice):
    web = carts_app("web")
    created = new_cart(web, alice, [line(shop.plan, 2), line(shop.phone, characteristics={"Storage": "256GB"})])
    response = checkout(web, created.json()["id"], HTTP_IF_MATCH=created["ETag"])
    assert response.status_code == 201, response.content
    order = response.json()
    assert response["Location"] == order["href"] and order["@type"] == "ProductOrder"
    assert order["state"] == "acknowledged" and order["relatedParty"][0]["id"] == alice.pk
    plan, phone = order["productOrderItem"]
    assert (plan["action"], plan["quantity"], plan["productOffering"]["name"]) == ("add", 2, "Unlimited 5G")
    assert plan["itemPrice"][0]["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": 43.56}
    assert phone["product"]["productCharacteristic"] == [{"name": "Storage", "value": "256GB"}]
    assert {t["priceType"]: t["price"]["taxIncludedAmount"]["value"] for t in order["orderTotalPrice"]} == {
        "oneTime": 463,
        "recurring": 43.56,
    }
    cart = web.get(f"{CART}/{created.json()['id']}").json()
    assert cart["status"] == "checkedOut" and cart["productOrder"] == {"id": order["id"]}
    assert Interaction.objects.filter(customer=alice, kind="cart checked out").exists()
    # The snapshot does not move with the catalog.
    shop.plan.prices.update(amount=Decimal("99"))
    again = web.get(f"{ORDERS}/{order['id']}").json()
    assert again["productOrderItem"][0]["itemPrice"] == plan["itemPrice"]


def test_the_same_key_replays_the_same_order(carts_app, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    first = checkout(web, cart_id)
    replay = checkout(web, cart_id)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"] and ProductOrder.objects.count() == 1


def test_the_same_key_with_another_body_is_422(carts_app, shop, alice, bob):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    checkout(web, cart_id)
    assert_tmf_error(checkout(web, cart_id, body={"note": "other"}), 422, "idempotencyKeyReused")
    other_cart = new_cart(web, bob, [line(shop.plan)]).json()["id"]
    assert_tmf_error(checkout(web, other_cart), 422, "idempotencyKeyReused")
    assert ProductOrder.objects.count() == 1


def test_keys_belong_to_their_caller(carts_app, shop, alice, bob):
    web, mobile = carts_app("web"), carts_app("mobile")
    first = checkout(web, new_cart(web, alice, [line(shop.plan)]).json()["id"], key="same")
    second = checkout(mobile, new_cart(mobile, bob, [line(shop.plan)]).json()["id"], key="same")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_a_checked_out_cart_is_not_checked_out_again_with_a_new_key(carts_app, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    checkout(web, cart_id, key="a")
    assert_tmf_error(checkout(web, cart_id, key="b"), 409, "cartClosed")
    assert_tmf_error(web.delete(f"{CART}/{cart_id}"), 409, "cartClosed")


def test_a_price_change_since_it_was_shown_is_409_with_the_new_price(carts_app, shop, alice):
    web = carts_app("web")
    created = new_cart(web, alice, [line(shop.plan)])
    shop.plan.prices.update(amount=Decimal("25.00"))
    response = checkout(web, created.json()["id"], HTTP_IF_MATCH=created["ETag"])
    body = assert_tmf_error(response, 409, "priceChanged")
    # 25 - 10% = 22.50, + 21% = 27.23
    assert body["cartTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] == 27.23
    assert ProductOrder.objects.count() == 0 and IdempotencyRecord.objects.count() == 0
    # Confirming the new price (its ETag) goes through.
    confirmed = checkout(web, created.json()["id"], HTTP_IF_MATCH=body["etag"])
    assert confirmed.status_code == 201, confirmed.content


def test_a_cart_changed_since_it_was_shown_is_412(carts_app, mobile, shop, alice):
    web = carts_app("web")
    created = new_cart(web, alice, [line(shop.plan)])
    carts_app("mobile").post(f"/api/v1/carts/{created.json()['id']}/items", line(shop.addon), format="json")
    assert_tmf_error(checkout(web, created.json()["id"], HTTP_IF_MATCH=created["ETag"]), 412, "staleCartVersion")
    assert ProductOrder.objects.count() == 0


def test_an_anonymous_or_invalid_cart_is_not_checked_out(carts_app, shop, alice):
    web = carts_app("web")
    anonymous = new_cart(web, None, [line(shop.plan)]).json()["id"]
    assert_tmf_error(checkout(web, anonymous), 422, "cartNotValid")
    empty = new_cart(web, alice).json()["id"]
    body = assert_tmf_error(checkout(web, empty, key="k2"), 422, "cartNotValid")
    assert body["validation"][0]["message"] == "The cart is empty."
    assert ProductOrder.objects.count() == 0
    assert ShoppingCart.objects.get(pk=empty).status == "open"


def test_checkout_needs_a_key_and_a_scope(carts_app, make_client, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    assert_tmf_error(web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json"), 400)
    assert_tmf_error(checkout(make_client("web", ("carts:read",)), cart_id), 403)
    assert_tmf_error(checkout(web, "nope"), 404)
    assert ProductOrder.objects.count() == 0


def test_customers_read_only_their_own_orders(carts_app, customer_client, shop, alice, bob):
    web = carts_app("web")
    alices = checkout(web, new_cart(web, alice, [line(shop.plan)]).json()["id"], key="a").json()
    bobs = checkout(web, new_cart(web, bob, [line(shop.plan)]).json()["id"], key="b").json()
    as_alice = customer_client(alice)
    assert [o["id"] for o in as_alice.get(ORDERS).json()] == [alices["id"]]
    assert_tmf_error(as_alice.get(f"{ORDERS}/{bobs['id']}"), 404)
    assert web.get(ORDERS, {"relatedParty.id": bob.pk}).json()[0]["id"] == bobs["id"]


def test_a_customer_checks_out_their_own_cart(customer_client, shop, alice):
    as_alice = customer_client(alice, channel="mobile")
    cart_id = as_alice.post(CART, {"cartItem": [line(shop.plan)]}, format="json").json()["id"]
    response = checkout(as_alice, cart_id)
    assert response.status_code == 201 and response.json()["channel"][0]["id"] == "mobile"
