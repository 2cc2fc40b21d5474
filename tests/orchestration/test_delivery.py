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


def test_delivered_products_know_their_offering_and_cost_what_the_order_agreed(orders_app, hybrid, customer, systems):
    body = {
        "productOrderItem": [{**line("plans", hybrid.plan), "quantity": 2}, line("phone", hybrid.phone)],
        "relatedParty": [{"id": customer.pk, "role": "customer"}],
    }
    placed = orders_app.post(ORDERS, body, format="json").json()
    assert placed["productOrderItem"][0]["itemPrice"][0]["price"]["dutyFreeAmount"]["value"] == 50  # two lines
    drive(placed["id"])

    plans = HeldProduct.objects.filter(customer=customer, system="mobile")
    assert plans.count() == 2 and {p.offering_id for p in plans} == {hybrid.plan.pk}
    for plan in plans:
        (price,) = orders_app.get(f"{PRODUCTS}/{plan.pk}").json()["productPrice"]
        assert (price["name"], price["priceType"], price["price"]["dutyFreeAmount"]["value"]) == (
            "Monthly",
            "recurring",
            25,
        )
    phone = orders_app.get(f"{PRODUCTS}/{HeldProduct.objects.get(system='logistics').pk}").json()
    assert phone["productOffering"]["id"] == hybrid.phone.pk
    assert [p["price"]["dutyFreeAmount"]["value"] for p in phone["productPrice"]] == [300]


def test_a_unit_costs_its_share_of_each_charge_rounded_per_currency():
    from orchestration.delivery import unit_price
    from orchestration.models import ProductOrderItem

    charge = {
        **{"price_id": "p", "offering_id": "plan", "name": "Monthly", "price_type": "recurring", "period": "month"},
        **{"unit_of_measure": "", "currency": "EUR", "amount": "25.47", "tax_rate": "21", "tax_amount": "5.35"},
        "total": "30.82",
        "alterations": [{"name": "Bundle", "reason": "15% off", "amount": "-4.50"}],
    }
    bundle = ProductOrderItem(offering_id="bundle", quantity=1, members={"plan": 3}, item_price=[charge])
    (each,) = unit_price(bundle, "plan")
    assert (each["amount"], each["tax_amount"], each["total"]) == ("8.49", "1.78", "10.27")
    assert each["alterations"][0]["amount"] == "-1.50"
    single = ProductOrderItem(offering_id="plan", quantity=1, item_price=[charge])
    assert unit_price(single, "plan") == [charge] and unit_price(single, "other") == []
