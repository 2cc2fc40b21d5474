"""The shared TMF read conventions for shopping carts and product orders."""

import pytest

from cart.models import Qualification, ShoppingCart
from orchestration.models import ProductOrder
from tests.factories.carts import CART, line
from tests.factories.customers import CustomerFactory
from tests.tmf import TMFReadContract, assert_tmf_error

pytestmark = pytest.mark.django_db


class CartRows:
    @pytest.fixture
    def reader(self, make_client):
        return make_client("web", ("carts:read", "carts:write", "orders:read"))

    @pytest.fixture(autouse=True)
    def _shop(self, shop, make_client):
        self.shop = shop
        self.writer = make_client("web", ("carts:read", "carts:write", "orders:read", "customers:read"))

    def carts(self, count: int) -> list[str]:
        ids = []
        for _ in range(count):
            body = {
                "relatedParty": [{"id": CustomerFactory().pk, "role": "customer"}],
                "cartItem": [line(self.shop.plan), line(self.shop.phone)],
            }
            ids.append(self.writer.post(CART, body, format="json").json()["id"])
        return ids


class TestShoppingCart(CartRows, TMFReadContract):
    path = CART
    resource_type = "ShoppingCart"
    model = ShoppingCart
    list_queries = 17  # count, page, items, consents, held; visible offerings, pricing data (7), campaigns (4), rules
    detail_queries = 16
    selected_attributes = ("status", "channel")
    name_attribute = ("status", "status")

    def make(self, count, channels):
        return list(ShoppingCart.objects.filter(pk__in=self.carts(count)).order_by("-updated_at", "id"))

    def filter_case(self, rows):
        return f"relatedParty.id={rows[1].customer_id}", {rows[1].pk}

    def test_quoted_name_filter_matches_exactly(self, reader, channels):
        rows = self.make(2, channels)
        response = reader.get(f'{self.path}?id="{rows[1].pk}"')
        assert [item["id"] for item in response.json()] == [rows[1].pk]


class TestProductOrder(CartRows, TMFReadContract):
    path = "/tmf-api/productOrderingManagement/v4/productOrder"
    resource_type = "ProductOrder"
    model = ProductOrder
    list_queries = 3  # count, page, items
    detail_queries = 2
    selected_attributes = ("state", "orderDate")
    name_attribute = ("state", "state")

    def make(self, count, channels):
        ids = []
        for cart_id in self.carts(count):
            response = self.writer.post(
                f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY=cart_id
            )
            ids.append(response.json()["id"])
        return list(ProductOrder.objects.filter(pk__in=ids).order_by("-order_date", "id"))

    def filter_case(self, rows):
        return f"relatedParty.id={rows[2].customer_id}", {rows[2].pk}

    def test_orders_are_not_edited_or_deleted(self, reader, channels):
        # Orders change through fulfilment and cancelProductOrder (tests/orchestration/test_order_api.py).
        row = self.make(1, channels)[0]
        assert_tmf_error(reader.patch(f"{self.path}/{row.pk}", {"state": "completed"}, format="json"), 405)
        assert_tmf_error(reader.delete(f"{self.path}/{row.pk}"), 405)
        assert ProductOrder.objects.get(pk=row.pk).state == "acknowledged"

    def test_quoted_name_filter_matches_exactly(self, reader, channels):
        rows = self.make(2, channels)
        response = reader.get(f'{self.path}?id="{rows[1].pk}"')
        assert [item["id"] for item in response.json()] == [rows[1].pk]


class TestQualification(CartRows, TMFReadContract):
    path = "/tmf-api/productOfferingQualification/v4/productOfferingQualification"
    resource_type = "ProductOfferingQualification"
    model = Qualification
    list_queries = 2  # count, page (the answer is stored with the row)
    detail_queries = 1
    selected_attributes = ("state", "qualificationResult")
    name_attribute = ("state", "state")

    @pytest.fixture
    def reader(self):
        return self.writer  # a qualification is read back by whoever asked

    def make(self, count, channels):
        ids = []
        for _ in range(count):
            body = {
                "relatedParty": [{"id": CustomerFactory().pk, "role": "customer"}],
                "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": self.shop.plan.pk}}],
            }
            self.writer.post(self.path, body, format="json")
            ids.append(Qualification.objects.latest("created_at").pk)
        return list(Qualification.objects.filter(pk__in=ids).order_by("-created_at", "id"))

    def filter_case(self, rows):
        return f"relatedParty.id={rows[3].customer_id}", {rows[3].pk}

    def test_quoted_name_filter_matches_exactly(self, reader, channels):
        rows = self.make(2, channels)
        response = reader.get(f'{self.path}?id="{rows[1].pk}"')
        assert [item["id"] for item in response.json()] == [rows[1].pk]

    def test_another_caller_does_not_see_them(self, make_client, channels):
        row = self.make(1, channels)[0]
        other = make_client("web", ("carts:read", "carts:write", "orders:read", "customers:read"))
        assert other.get(self.path).json() == []
        assert other.get(f"{self.path}/{row.pk}").status_code == 404
