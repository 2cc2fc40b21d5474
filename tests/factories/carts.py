"""Carts: factories for rows, and builders for API requests (a cart line, a new cart over the API)."""

import json

import factory
from django.utils import timezone

from cart.models import CartItem, ShoppingCart
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import CustomerFactory
from tests.tmf import MERGE_PATCH

CART = "/tmf-api/shoppingCart/v4/shoppingCart"


class CartFactory(factory.django.DjangoModelFactory):
    """An open cart of a customer (rows only: no journey, no events; the API tests make carts through it)."""

    class Meta:
        model = ShoppingCart

    customer = factory.SubFactory(CustomerFactory)
    channel = "web"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=14))


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    cart = factory.SubFactory(CartFactory)
    offering = factory.SubFactory(OfferingFactory)
    quantity = 1
    channel = "web"


def line(offering, quantity: int = 1, **extra) -> dict:
    item = {"productOffering": {"id": offering.pk}, "quantity": quantity}
    if "characteristics" in extra:
        item["product"] = {
            "productCharacteristic": [{"name": k, "value": v} for k, v in extra.pop("characteristics").items()]
        }
    item.update(extra)
    return item


def merge_patch(client, url: str, body: dict, **headers):
    return client.generic("PATCH", url, json.dumps(body), content_type=MERGE_PATCH, **headers)


def new_cart(client, customer=None, items=()) -> dict:
    body = {"cartItem": list(items)}
    if customer is not None:
        body["relatedParty"] = [{"id": customer.pk, "role": "customer", "@referredType": "Customer"}]
    response = client.post(CART, body, format="json")
    assert response.status_code == 201, response.content
    return response
