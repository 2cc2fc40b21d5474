"""TMF622 writes: direct order creation (priced like a checkout) and cancelProductOrder, happy and unhappy."""

import pytest

from customers.models import HeldProduct
from events.models import OutboxEvent
from orchestration.models import CancelProductOrder, FulfilmentTask, ProductOrder
from orchestration.services import order_force_complete
from tests.factories.orders import item, place
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CANCELS = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"


def order_body(customer=None, items=None, **extra) -> dict:
    body = {"productOrderItem": items, **extra}
    if customer is not None:
        body["relatedParty"] = [{"id": customer.pk, "role": "customer", "@referredType": "Customer"}]
    return body


def line(number, offering, quantity=1, **extra) -> dict:
    return {"id": str(number), "action": "add", "quantity": quantity, "productOffering": {"id": offering.pk}, **extra}


@pytest.fixture
def orders_app(make_client):
    return make_client("web", ("orders:read", "orders:write", "customers:read"))


@pytest.fixture
def cancelling_app(make_client):
    """An application granted cancelling orders, a right of its own."""
    return make_client("web", ("orders:read", "orders:cancel"))


def test_an_application_places_an_order_priced_like_a_checkout(orders_app, hybrid, customer):
    response = orders_app.post(
        ORDERS,
        order_body(customer, [line("a", hybrid.plan, 2), line("b", hybrid.phone)], externalId="web-77", priority="1"),
        format="json",
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert response["Location"] == order["href"] and order["state"] == "acknowledged"
    assert [i["id"] for i in order["productOrderItem"]] == ["a", "b"]
    assert order["productOrderItem"][0]["itemPrice"][0]["price"]["dutyFreeAmount"] == {"unit": "EUR", "value": 50}
    assert order["externalId"] == "web-77" and order["priority"] == "1"
    stored = ProductOrder.objects.get(pk=order["id"])
    # Planned at once: the phone's shipment, and the plan's SIM (after the shipment) and billing, per unit.
    assert sorted(stored.tasks.values_list("key", flat=True)) == sorted(
        ["ship", "activate_sim", "bill", "activate_sim", "bill"]
    )
    assert OutboxEvent.objects.filter(resource_id=stored.pk, event_type="ProductOrderCreateEvent").exists()


def test_a_customer_orders_for_themself_only(customer_client, hybrid, customer, bob):
    me = customer_client(customer)
    response = me.post(ORDERS, order_body(None, [line(1, hybrid.fibre)]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["relatedParty"][0]["id"] == customer.pk
    assert_tmf_error(me.post(ORDERS, order_body(bob, [line(1, hybrid.fibre)]), format="json"), 403)
    assert ProductOrder.objects.count() == 1


@pytest.mark.parametrize(
    "body,status",
    [
        ({}, 400),
        ({"productOrderItem": []}, 400),
        ({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "x"}}] * 2}, 400),
        ({"productOrderItem": [{"id": "1", "action": "explode", "productOffering": {"id": "x"}}]}, 400),
        ({"productOrderItem": [{"action": "add", "productOffering": {"id": "x"}}]}, 400),
        ({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "nope"}}]}, 422),
        ({"productOrderItem": [{"id": "1", "action": "modify", "productOffering": {"id": "nope"}}]}, 422),
        ({"productOrderItem": [{"id": "1", "action": "add", "quantity": 0, "productOffering": {"id": "x"}}]}, 400),
        ({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "x"}}], "priority": "9"}, 400),
    ],
)
def test_bad_orders_are_refused_and_write_nothing(orders_app, customer, body, status):
    body = {**body, "relatedParty": [{"id": customer.pk, "role": "customer"}]}
    assert_tmf_error(orders_app.post(ORDERS, body, format="json"), status)
    assert not ProductOrder.objects.exists() and not FulfilmentTask.objects.exists()


def test_an_application_must_name_a_known_customer(orders_app, hybrid):
    assert_tmf_error(orders_app.post(ORDERS, order_body(None, [line(1, hybrid.plan)]), format="json"), 422)
    body = order_body(None, [line(1, hybrid.plan)], relatedParty=[{"id": "nobody", "role": "customer"}])
    assert_tmf_error(orders_app.post(ORDERS, body, format="json"), 422)
    assert not ProductOrder.objects.exists()


def test_orders_break_the_same_rules_as_carts(orders_app, hybrid, customer):
    from tests.factories.catalog import rule

    rule(hybrid.plan, "max_per_customer", "1")
    error = assert_tmf_error(
        orders_app.post(ORDERS, order_body(customer, [line("x", hybrid.plan, 2)]), format="json"), 422
    )
    assert error["validation"][0]["cartItemId"] == "x"
    assert not ProductOrder.objects.exists()


def test_an_idempotency_key_makes_a_retried_post_one_order(orders_app, hybrid, customer):
    body = order_body(customer, [line(1, hybrid.plan)])
    first = orders_app.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = orders_app.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = order_body(customer, [line(1, hybrid.fibre)])
    assert_tmf_error(orders_app.post(ORDERS, other, format="json", HTTP_IDEMPOTENCY_KEY="k1"), 422)
    assert ProductOrder.objects.count() == 1


def test_without_write_scope_nobody_orders(make_client, hybrid, customer, anonymous):
    reader = make_client("web", ("orders:read",))
    assert_tmf_error(reader.post(ORDERS, order_body(customer, [line(1, hybrid.plan)]), format="json"), 403)
    assert_tmf_error(anonymous.post(ORDERS, order_body(customer, [line(1, hybrid.plan)]), format="json"), 401)
    assert not ProductOrder.objects.exists()


# --- cancelProductOrder --------------------------------------------------------------------------
def test_cancelling_an_order_not_yet_started(customer_client, hybrid, customer, django_capture_on_commit_callbacks):
    order = place(customer, [item(1, hybrid.plan)])
    me = customer_client(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = me.post(
            CANCELS, {"productOrder": {"id": order.pk}, "cancellationReason": "changed my mind"}, format="json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["productOrder"]["id"] == order.pk and body["@type"] == "CancelProductOrder"
    order.refresh_from_db()
    assert order.state == "cancelled" and order.cancellation_reason == "changed my mind"
    assert me.get(f"{CANCELS}/{body['id']}").json()["state"] == "done"
    assert set(order.tasks.values_list("state", flat=True)) == {"cancelled"}
    types = list(OutboxEvent.objects.values_list("event_type", flat=True))
    assert "CancelProductOrderCreateEvent" in types and "CancelProductOrderStateChangeEvent" in types


def test_cancelling_is_refused_once_it_cannot_be_undone(cancelling_app, hybrid, customer):
    order = place(customer, [item(1, hybrid.plan)])
    order_force_complete(order.pk, actor="supervisor", reason="done by hand in the shop")
    assert_tmf_error(cancelling_app.post(CANCELS, {"productOrder": {"id": order.pk}}, format="json"), 409)
    assert not CancelProductOrder.objects.exists()
    assert HeldProduct.objects.filter(customer=customer).exists()


def test_cancelling_is_refused_when_a_done_step_has_no_undo(cancelling_app, hybrid, customer):
    hybrid.plan.specification.fulfilment_steps.update(undo_task="")
    order = place(customer, [item(1, hybrid.plan)])
    order.tasks.filter(key="activate_sim").update(state="done")
    error = assert_tmf_error(cancelling_app.post(CANCELS, {"productOrder": {"id": order.pk}}, format="json"), 409)
    assert "activate_sim (mobile)" in error["message"]
    order.refresh_from_db()
    assert order.state == "acknowledged"


def test_one_customer_cannot_cancel_or_see_anothers(customer_client, hybrid, customer, bob):
    order = place(customer, [item(1, hybrid.plan)])
    other = customer_client(bob)
    assert_tmf_error(other.post(CANCELS, {"productOrder": {"id": order.pk}}, format="json"), 404)
    assert_tmf_error(other.get(f"{ORDERS}/{order.pk}"), 404)
    order.refresh_from_db()
    assert order.state == "acknowledged" and not CancelProductOrder.objects.exists()
    mine = customer_client(customer).post(CANCELS, {"productOrder": {"id": order.pk}}, format="json")
    assert mine.status_code == 201
    assert other.get(CANCELS).json() == []
    assert_tmf_error(other.get(f"{CANCELS}/{mine.json()['id']}"), 404)


@pytest.mark.parametrize(
    "body,status", [({}, 400), ({"productOrder": {}}, 400), ({"productOrder": {"id": "nope"}}, 404)]
)
def test_bad_cancellations(cancelling_app, body, status):
    assert_tmf_error(cancelling_app.post(CANCELS, body, format="json"), status)
    assert not CancelProductOrder.objects.exists()


def test_cancelling_is_a_supervisors_right_in_the_api_as_in_the_console(staff_client, orders_app, hybrid, customer):
    """Regression: agents (and applications with orders:write) cancelled orders through TMF622 although the
    console refuses agents; cancelling needs orders:cancel (staff: supervise_productorder)."""
    order = place(customer, [item(1, hybrid.plan)])
    for refused in (staff_client("agent"), orders_app):
        assert_tmf_error(refused.post(CANCELS, {"productOrder": {"id": order.pk}}, format="json"), 403)
    order.refresh_from_db()
    assert order.state == "acknowledged" and not CancelProductOrder.objects.exists()
    supervisor = staff_client("supervisor")
    assert supervisor.post(CANCELS, {"productOrder": {"id": order.pk}}, format="json").status_code == 201
