from decimal import Decimal

import pytest

from cart.models import CartEvent, ShoppingCart
from customers.models import Interaction
from tests.factories.carts import CART, line, merge_patch, new_cart
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db


def totals(body) -> dict:
    return {
        (t["priceType"], t.get("recurringChargePeriod")): t["price"]["taxIncludedAmount"]["value"]
        for t in body["cartTotalPrice"]
    }


def test_a_channel_starts_a_cart_for_a_customer_priced_by_the_engine(carts_app, shop, alice):
    web = carts_app("web")
    response = new_cart(web, alice, [line(shop.plan), line(shop.phone, characteristics={"Storage": "256GB"})])
    body = response.json()
    assert response["Location"] == body["href"] and response["ETag"].startswith('"1-')
    assert body["@type"] == "ShoppingCart" and body["status"] == "open"
    assert body["relatedParty"][0]["id"] == alice.pk
    plan_item, phone_item = body["cartItem"]
    assert plan_item["action"] == "add" and plan_item["quantity"] == 1
    # 20.00 - 10% web campaign = 18.00, + 21% tax = 21.78
    assert plan_item["itemPrice"][0]["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": 21.78}
    assert plan_item["itemPrice"][0]["priceAlteration"][0]["name"] == "Web 10% off"
    assert {c["name"]: c["value"] for c in phone_item["product"]["productCharacteristic"]} == {"Storage": "256GB"}
    assert totals(body) == {("oneTime", None): 463, ("recurring", "month"): 21.78}
    assert body["validation"] == {"valid": True, "problem": []}
    assert "X-Cart-Secret" not in response


def test_the_same_cart_is_seen_and_priced_for_each_channel(carts_app, shop, alice):
    web, mobile = carts_app("web"), carts_app("mobile")
    cart = new_cart(web, alice, [line(shop.plan)]).json()
    seen_by_mobile = mobile.get(f"{CART}/{cart['id']}").json()
    assert seen_by_mobile["cartItem"][0]["productOffering"]["id"] == shop.plan.pk
    # The web campaign does not apply in the app: the app shows the app's price.
    assert totals(seen_by_mobile) == {("recurring", "month"): 24.2}
    listed = mobile.get(CART, {"relatedParty.id": alice.pk})
    assert listed["X-Total-Count"] == "1" and listed.json()[0]["id"] == cart["id"]


def test_patch_replaces_the_lines_and_records_the_journey(carts_app, shop, alice):
    web, mobile = carts_app("web"), carts_app("mobile")
    cart = new_cart(web, alice, [line(shop.plan)])
    cart_id = cart.json()["id"]
    response = merge_patch(
        mobile, f"{CART}/{cart_id}", {"cartItem": [line(shop.plan, 2), line(shop.addon)]}, HTTP_IF_MATCH=cart["ETag"]
    )
    assert response.status_code == 200, response.content
    assert [i["quantity"] for i in response.json()["cartItem"]] == [2, 1]
    assert response["ETag"].startswith('"2-')
    journey = list(CartEvent.objects.filter(cart_id=cart_id).values_list("channel", "kind"))
    assert journey == [("web", "created"), ("mobile", "changed")]
    assert Interaction.objects.filter(customer=alice, kind__startswith="cart").count() == 2


def test_a_stale_if_match_is_412_and_changes_nothing(carts_app, shop, alice):
    web, mobile = carts_app("web"), carts_app("mobile")
    cart = new_cart(web, alice, [line(shop.plan)])
    cart_id = cart.json()["id"]
    assert mobile.post(f"/api/v1/carts/{cart_id}/items", line(shop.addon), format="json").status_code == 201
    stale = merge_patch(web, f"{CART}/{cart_id}", {"cartItem": []}, HTTP_IF_MATCH=cart["ETag"])
    assert_tmf_error(stale, 412, "staleCartVersion")
    assert len(web.get(f"{CART}/{cart_id}").json()["cartItem"]) == 2
    for method in ("delete",):
        assert_tmf_error(getattr(web, method)(f"{CART}/{cart_id}", HTTP_IF_MATCH=cart["ETag"]), 412)
    assert ShoppingCart.objects.filter(pk=cart_id).exists()


def test_a_price_change_alone_does_not_block_edits(carts_app, shop, alice):
    web = carts_app("web")
    cart = new_cart(web, alice, [line(shop.plan)])
    shop.plan.prices.update(amount=Decimal("25.00"))
    response = web.post(
        f"/api/v1/carts/{cart.json()['id']}/items", line(shop.addon), format="json", HTTP_IF_MATCH=cart["ETag"]
    )
    assert response.status_code == 201, response.content


def test_an_anonymous_cart_returns_its_secret_once(carts_app, shop):
    web = carts_app("web")
    response = new_cart(web, None, [line(shop.plan)])
    assert response["X-Cart-Secret"].startswith("ocs_")
    assert "relatedParty" not in response.json()
    again = web.get(f"{CART}/{response.json()['id']}")
    assert "X-Cart-Secret" not in again


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"cartItem": [{"productOffering": {"id": "nope"}}]}, 422, "unknownOffering"),
        ({"cartItem": [{"quantity": 0, "productOffering": {"id": "x"}}]}, 400, None),
        ({"cartItem": [{"action": "explode", "productOffering": {"id": "x"}}]}, 400, None),
        ({"cartItem": [{"action": "add"}]}, 422, None),
        ({"cartItem": [{"action": "modify", "productOffering": {"id": "x"}}]}, 422, None),
        ({"cartItem": "not a list"}, 400, None),
        ({"relatedParty": [{"id": "ghost", "role": "customer"}]}, 422, None),
        (
            {
                "cartItem": [
                    {
                        "productOffering": {"id": "x"},
                        "product": {"productCharacteristic": [{"name": "a", "value": {"x": 1}}]},
                    }
                ]
            },
            400,
            None,
        ),
    ],
)
def test_bad_carts_are_refused_and_nothing_is_written(carts_app, shop, body, status, code):
    response = carts_app("web").post(CART, body, format="json")
    assert_tmf_error(response, status, code)
    assert ShoppingCart.objects.count() == 0


def test_a_wrong_option_is_refused_in_words(carts_app, shop, alice):
    response = carts_app("web").post(
        CART, {"cartItem": [line(shop.phone, characteristics={"Storage": "1TB"})]}, format="json"
    )
    assert_tmf_error(response, 422, "invalidConfiguration")
    assert "choose one of: 128GB, 256GB" in response.json()["message"]


def test_bundle_members_within_their_cardinality(carts_app, shop, alice):
    web = carts_app("web")
    two_tv = line(shop.bundle, cartItem=[{"productOffering": {"id": shop.tv.pk}, "quantity": 2}])
    body = new_cart(web, alice, [two_tv]).json()
    assert totals(body) == {("recurring", "month"): 60}
    assert body["cartItem"][0]["cartItem"][0]["quantity"] == 2
    too_many = line(shop.bundle, cartItem=[{"productOffering": {"id": shop.tv.pk}, "quantity": 3}])
    assert_tmf_error(
        web.post(f"/api/v1/carts/{body['id']}/items", too_many, format="json"), 422, "invalidConfiguration"
    )


def test_one_open_cart_per_customer(carts_app, shop, alice):
    web = carts_app("web")
    first = new_cart(web, alice).json()
    second = web.post(CART, {"relatedParty": [{"id": alice.pk, "role": "customer"}]}, format="json")
    assert_tmf_error(second, 409, "openCartExists")
    assert first["id"] in second.json()["message"]


def test_an_empty_cart_can_be_created_and_is_not_valid_yet(carts_app):
    body = carts_app("web").post(CART, {}, format="json").json()
    assert body["cartItem"] if "cartItem" in body else True
    assert body["validation"]["valid"] is False
    assert body["validation"]["problem"][0]["message"] == "The cart is empty."


def test_deleting_a_cart(carts_app, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    assert web.delete(f"{CART}/{cart_id}").status_code == 204
    assert_tmf_error(web.get(f"{CART}/{cart_id}"), 404)


@pytest.mark.parametrize(
    "body, status",
    [({}, 400), ({"quantity": 0}, 400), ({"status": "lost"}, 400), ({"quantity": "many"}, 400)],
)
def test_bad_line_changes_are_refused_and_change_nothing(carts_app, shop, alice, body, status):
    web = carts_app("web")
    cart = new_cart(web, alice, [line(shop.plan)])
    item_id = cart.json()["cartItem"][0]["id"]
    assert_tmf_error(web.patch(f"/api/v1/carts/{cart.json()['id']}/items/{item_id}", body, format="json"), status)
    assert_tmf_error(web.patch(f"/api/v1/carts/{cart.json()['id']}/items/999999", {"quantity": 2}, format="json"), 404)
    assert_tmf_error(web.delete(f"/api/v1/carts/{cart.json()['id']}/items/999999"), 404)
    assert_tmf_error(web.post(f"/api/v1/carts/{cart.json()['id']}/items", {"quantity": 0}, format="json"), 400)
    assert web.get(f"{CART}/{cart.json()['id']}")["ETag"] == cart["ETag"]
