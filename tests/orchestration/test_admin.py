"""The order console: agents see the task graph and timeline; only supervisors act, and every act is recorded."""

import pytest
from django.urls import reverse

from events.models import EventDelivery, OutboxEvent
from orchestration.models import OrderEvent, ProductOrder
from tests.factories.orders import item, place

pytestmark = pytest.mark.django_db


def page(order) -> str:
    return f"/admin/orchestration/productorder/{order.pk}/change/"


def act(order, action: str) -> str:
    return f"/admin/orchestration/productorder/{order.pk}/supervise/{action}/"


def test_agents_see_the_task_graph_and_timeline_but_no_actions(staff_client, hybrid, customer):
    order = place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)])
    response = staff_client("agent").get(page(order))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="task-graph"' in html and 'id="timeline"' in html
    # Three waves: the shipment, then the SIM (after the shipment), then billing.
    assert html.index("logistics: ship_device") < html.index("mobile: activate_sim") < html.index("crm: add_billing")
    assert "step 3" in html and "after: ship" in html and "3 fulfilment tasks planned" in html
    assert 'id="supervise"' not in html


@pytest.mark.parametrize("action", ["retry", "cancel", "complete"])
def test_agents_cannot_act_on_orders(staff_client, hybrid, customer, action):
    order = place(customer, [item(1, hybrid.plan)])
    response = staff_client("agent").post(act(order, action), {"reason": "because"})
    assert response.status_code == 403
    assert ProductOrder.objects.get(pk=order.pk).state == "acknowledged"
    assert not OrderEvent.objects.filter(order=order, kind="supervisor").exists()


def test_a_supervisor_completes_by_hand_and_it_is_recorded(staff_client, hybrid, customer):
    order = place(customer, [item(1, hybrid.plan)])
    supervisor = staff_client("supervisor")
    assert 'id="supervise"' in supervisor.get(page(order)).content.decode()
    response = supervisor.post(act(order, "complete"), {"reason": "activated by phone with the mobile team"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "completed"
    event = OrderEvent.objects.get(order=order, kind="supervisor")
    assert event.actor == "supervisor:supervisor-user" and "activated by phone" in event.message
    assert set(order.tasks.values_list("state", flat=True)) == {"done"}
    assert customer.held_products.count() == 1


def test_completing_by_hand_needs_a_reason(staff_client, hybrid, customer):
    order = place(customer, [item(1, hybrid.plan)])
    staff_client("supervisor").post(act(order, "complete"), {"reason": " "})
    assert ProductOrder.objects.get(pk=order.pk).state == "acknowledged"


def test_a_supervisor_cancels(staff_client, hybrid, customer, django_capture_on_commit_callbacks):
    order = place(customer, [item(1, hybrid.plan)])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client("supervisor").post(act(order, "cancel"), {"reason": "fraud suspected"})
    order.refresh_from_db()
    assert order.state == "cancelled" and order.cancellation_reason == "fraud suspected"
    assert order.cancellations.get().requested_by == "supervisor:supervisor-user"


def test_retry_is_refused_for_an_order_not_in_progress(staff_client, hybrid, customer):
    order = place(customer, [item(1, hybrid.plan)])
    response = staff_client("supervisor").post(act(order, "retry"), follow=True)
    assert "Only orders in progress can be retried" in response.content.decode()


def test_events_and_deliveries_are_visible_to_supervisors(staff_client, make_client, hybrid, customer):
    listening = make_client("web", ("orders:read",))
    listening.post("/tmf-api/productOrderingManagement/v4/hub", {"callback": "http://127.0.0.1:9/x"}, format="json")
    place(customer, [item(1, hybrid.plan)])
    supervisor = staff_client("supervisor")
    event = OutboxEvent.objects.get()
    assert supervisor.get(f"/admin/events/outboxevent/{event.pk}/change/").status_code == 200
    assert supervisor.get("/admin/events/eventdelivery/").status_code == 200
    delivery = EventDelivery.objects.get()
    assert supervisor.get(f"/admin/events/eventdelivery/{delivery.pk}/change/").status_code == 200


def test_the_360_shows_fulfilment_progress_of_orders_in_flight(make_client, staff_client, hybrid, customer):
    order = place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)])
    order.tasks.filter(key="ship").update(state="done")
    order.tasks.filter(key="activate_sim").update(state="failed")
    app = make_client("web", ("customers:read", "orders:read"))
    body = app.get(f"/api/v1/customers/{customer.pk}/360").json()
    assert body["productOrder"][0]["fulfilment"] == {"tasks": 3, "done": 1, "failed": 1, "percent": 33}
    html = staff_client("agent").get(reverse("admin:customer-console-customer", args=[customer.pk])).content.decode()
    assert "1/3 tasks done, 1 failed" in html
