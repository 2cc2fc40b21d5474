"""Fulfilment with real parts: a Redis broker, a Celery worker process, the simulator over HTTP.

Orders are taken in this process (as checkout does) and everything after the commit happens
in the worker: fan-out, retries, polling, compensation, events to a listener.
"""

import time

import pytest

from customers.models import HeldProduct
from events.models import EventDelivery
from events.services import subscription_register
from orchestration import states
from orchestration.models import FulfilmentTask, ProductOrder
from tests.factories.orders import fulfilment_log, hybrid_items, item, place
from tests.factories.users import application

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, worker, seconds: float = 45, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {seconds} s; worker log:\n{worker.log()[-4000:]}")
        time.sleep(0.1)


def final(order_id: str, worker) -> ProductOrder:
    def done():
        order = ProductOrder.objects.get(pk=order_id)
        return order if order.state in states.FINAL and not order.undoing else None

    return wait_for(done, worker, what=f"order {order_id} final")


def test_the_hybrid_order_completes_through_the_worker(celery_worker, hybrid, customer, estate, simulator, listener):
    subscription_register(
        api="productOrderingManagement", callback=listener.url, query="", principal=application(["orders:read"])
    )
    order = final(place(customer, hybrid_items(hybrid)).pk, celery_worker)

    assert order.state == "completed", order.state_reason
    assert set(order.tasks.values_list("state", flat=True)) == {"done"}
    log = fulfilment_log(simulator)
    assert len(log) == order.tasks.count() == 6 and all(r["submits"] == 1 for r in log)
    assert set(HeldProduct.objects.filter(customer=customer).values_list("system", flat=True)) == {
        "logistics",
        "mobile",
        "fixed",
        "partner",
    }
    wait_for(lambda: len(listener.received) == 3, celery_worker, what="3 events")
    states = [e["event"]["productOrder"]["state"] for e in listener.bodies()]
    assert states == ["acknowledged", "inProgress", "completed"]


def test_a_transient_5xx_is_retried_and_the_order_completes(celery_worker, hybrid, customer, estate, simulator):
    simulator.control("faults", {"system": "fixed", "fail_next": 4})
    order = final(place(customer, [item(1, hybrid.fibre)]).pk, celery_worker)
    assert order.state == "completed"
    line = order.tasks.get(key="provision_line")
    assert line.attempts == 2 and "503" in line.last_error
    assert [r["submits"] for r in fulfilment_log(simulator) if r["task"] == "provision_line"] == [1]


def test_a_permanent_failure_compensates_and_fails(celery_worker, hybrid, customer, estate, simulator):
    simulator.control("faults", {"system": "crm", "reject_tasks": ["add_billing"]})
    order = final(place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)]).pk, celery_worker)
    assert order.state == "failed" and "add_billing" in order.state_reason
    tasks = {t.key: t.state for t in order.tasks.all()}
    assert tasks == {"ship": "compensated", "activate_sim": "compensated", "bill": "failed"}
    cancelled = {r["task"] for r in fulfilment_log(simulator) if r["cancelled"]}
    assert cancelled == {"ship_device", "activate_sim"}


def test_a_worker_killed_mid_order_is_replaced_and_nothing_is_provisioned_twice(
    celery_worker, hybrid, customer, estate, simulator
):
    # The mobile stack answers slowly, so the worker is killed while activate_sim is on the wire.
    simulator.control("faults", {"system": "mobile", "latency_ms": 2500})
    order = place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)])
    before = simulator.stats().get("mobile", 0)
    wait_for(lambda: simulator.stats().get("mobile", 0) > before, celery_worker, what="activate_sim sent")
    assert FulfilmentTask.objects.get(order=order, key="activate_sim").state == "running"
    celery_worker.kill()
    simulator.control("faults", {"system": "mobile", "latency_ms": 0})

    celery_worker.start()  # a new worker process: it takes the task over when the dead one's lease runs out
    order = final(order.pk, celery_worker)
    assert order.state == "completed", order.state_reason
    log = fulfilment_log(simulator)
    references = [r["reference"] for r in log]
    assert len(references) == len(set(references)) == order.tasks.count() == 3
    assert not any(r["cancelled"] for r in log)
    assert HeldProduct.objects.filter(customer=customer, system="mobile").count() == 1


def test_a_listener_down_for_a_while_receives_every_event_afterwards_in_order(
    celery_worker, hybrid, customer, estate, listener
):
    subscription_register(
        api="productOrderingManagement", callback=listener.url, query="", principal=application(["orders:read"])
    )
    listener.down = True
    orders = [place(customer, [item(1, hybrid.fibre)]) for _ in range(3)]
    for order in orders:
        final(order.pk, celery_worker)
    wait_for(
        lambda: EventDelivery.objects.filter(attempts__gte=2).count() >= 3, celery_worker, what="failed deliveries"
    )
    assert listener.received == []

    listener.down = False
    wait_for(lambda: not EventDelivery.objects.exclude(state="delivered").exists(), celery_worker, what="delivered")
    seen: dict[str, list[str]] = {}
    for event in listener.bodies():
        seen.setdefault(event["event"]["productOrder"]["id"], []).append(event["event"]["productOrder"]["state"])
    assert seen == {o.pk: ["acknowledged", "inProgress", "completed"] for o in orders}
