"""What completed orders leave behind, as TMF622 shows it: why the order is in its state, and the products
each item put in place, over HTTP against the simulated estate."""

import pytest

from customers.models import HeldProduct
from tests.factories.customers import HeldProductFactory
from tests.factories.orders import drive, item, place

pytestmark = pytest.mark.django_db(transaction=True)
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
PRODUCTS = "/tmf-api/productInventory/v4/product"


@pytest.fixture
def orders_app(make_client):
    return make_client("web", ("orders:read", "orders:write", "customers:read"))


def line(number, offering) -> dict:
    return {"id": str(number), "action": "add", "productOffering": {"id": offering.pk}}


def test_a_completed_order_says_so_and_each_item_names_the_product_it_put_in_place(
    orders_app, hybrid, customer, systems
):
    body = {
        "productOrderItem": [line("phone", hybrid.phone), line("plan", hybrid.plan)],
        "relatedParty": [{"id": customer.pk, "role": "customer"}],
    }
    placed = orders_app.post(ORDERS, body, format="json").json()
    drive(placed["id"])

    order = orders_app.get(f"{ORDERS}/{placed['id']}").json()
    assert (order["state"], order["stateReason"]) == ("completed", "every item delivered")
    held = {h.system: h for h in HeldProduct.objects.filter(customer=customer)}
    products = {i["id"]: i["product"] for i in order["productOrderItem"]}
    assert products["phone"]["id"] == held["logistics"].pk and products["plan"]["id"] == held["mobile"].pk
    assert products["plan"]["href"].endswith(f"{PRODUCTS}/{held['mobile'].pk}")
    assert products["plan"]["name"] == "Mobile M"
    assert "productRelationship" not in products["plan"]  # a new product relates to nothing it added on to
    assert orders_app.get(products["plan"]["href"]).status_code == 200


def test_an_add_on_names_what_it_added_on_to_and_what_it_put_in_place(orders_app, hybrid, customer, systems):
    holding = HeldProductFactory(customer=customer, system="mobile", name="Mobile M")
    order = drive(place(customer, [item(1, hybrid.streaming, held=holding)]).pk)
    assert order.state == "completed"

    product = orders_app.get(f"{ORDERS}/{order.pk}").json()["productOrderItem"][0]["product"]
    delivered = HeldProduct.objects.get(customer=customer, system="partner")
    assert product["id"] == delivered.pk and product["name"] == "StreamMax"
    assert product["productRelationship"] == [
        {
            "relationshipType": "addOn",
            "product": {"id": holding.pk, "href": f"http://testserver{PRODUCTS}/{holding.pk}", "name": "Mobile M"},
        }
    ]


def test_a_failed_order_says_why_and_names_no_product(orders_app, hybrid, customer, systems, simulator):
    simulator.control("faults", {"system": "crm", "reject_tasks": ["add_billing"]})
    order = drive(place(customer, [item(1, hybrid.plan)]).pk)

    body = orders_app.get(f"{ORDERS}/{order.pk}").json()
    assert body["state"] == "failed" and "add_billing in crm failed" in body["stateReason"]
    assert "id" not in body["productOrderItem"][0].get("product", {})
    assert not HeldProduct.objects.filter(customer=customer, status="active").exists()
