"""Orders fanned out to the simulated estate over HTTP: completion, retries, compensation, partial, time-outs.

These run in-process without a broker (Celery eager): committing an order runs its ready tasks
at once, and ``drive`` runs the sweeper for retries and polls. The same code under a real
Redis and worker process is in tests/e2e/test_fulfilment_e2e.py.
"""

import time

import pytest
from django.utils import timezone

from adapters.http import breaker_for
from customers.models import HeldProduct
from events.models import OutboxEvent
from orchestration.models import FulfilmentTask, OrderEvent
from tests.factories.orders import drive, fulfilment_log, hybrid_items, item, place

pytestmark = pytest.mark.django_db(transaction=True)
T = FulfilmentTask.State


def test_the_hybrid_order_completes_in_dependency_order(hybrid, customer, systems, simulator):
    order = drive(place(customer, hybrid_items(hybrid)).pk)

    assert order.state == "completed", order.state_reason
    tasks = {t.key + ("" if t.key != "bill" else t.payload["offering"]["name"]): t for t in order.tasks.all()}
    assert {t.state for t in tasks.values()} == {T.DONE}
    assert sorted(tasks) == sorted(
        ["ship", "activate_sim", "billMobile M", "provision_line", "billFibre 500", "activate_service"]
    )
    # The SIM is activated only after the phone shipped; billing after activation.
    assert tasks["activate_sim"].submitted_at >= tasks["ship"].finished_at
    assert tasks["billMobile M"].submitted_at >= tasks["activate_sim"].finished_at
    assert tasks["billMobile M"].payload["inputs"] if "inputs" in tasks["billMobile M"].payload else True
    # Every task reached its system exactly once, under its own reference.
    log = fulfilment_log(simulator)
    assert sorted(r["reference"] for r in log) == sorted(t.reference for t in tasks.values())
    assert all(r["submits"] == 1 and not r["cancelled"] for r in log)
    # Completed items are in the customer's inventory at once, with what the systems assigned.
    held = {h.system: h for h in HeldProduct.objects.filter(customer=customer)}
    assert set(held) == {"logistics", "mobile", "fixed", "partner"}
    assert held["mobile"].characteristics["MSISDN"].startswith("+316")
    assert held["mobile"].external_id == tasks["activate_sim"].outputs["id"]
    assert set(order.items.values_list("state", flat=True)) == {"completed"}
    types = list(OutboxEvent.objects.filter(resource_id=order.pk).values_list("event_type", flat=True))
    assert types[0] == "ProductOrderCreateEvent"
    states = [e.payload["productOrder"]["state"] for e in OutboxEvent.objects.filter(resource_id=order.pk)[1:]]
    assert states == ["inProgress", "completed"]


def test_a_bundle_fans_out_per_member(hybrid, customer, systems):
    order = drive(place(customer, [item(1, hybrid.bundle, members={hybrid.fibre.pk: 1, hybrid.plan.pk: 2})]).pk)
    assert order.state == "completed"
    keys = sorted(order.tasks.values_list("key", flat=True))
    # Fibre: line + bill; two mobile lines: SIM + bill each; no phone in the order, so the SIMs do not wait.
    assert keys == ["activate_sim", "activate_sim", "bill", "bill", "bill", "provision_line"]
    assert HeldProduct.objects.filter(customer=customer, system="mobile").count() == 2
    # Each member becomes a product named after the member offering, not the bundle.
    names = sorted(HeldProduct.objects.filter(customer=customer).values_list("name", flat=True))
    assert names == ["Fibre 500", "Mobile M", "Mobile M"]


def test_transient_5xx_is_retried_and_completes(hybrid, customer, systems, simulator):
    # The client retries 3 times inside one attempt: 4 failures make the first attempt fail (and stay
    # under the circuit breaker's threshold of 5).
    simulator.control("faults", {"system": "mobile", "fail_next": 4})
    order = drive(place(customer, [item(1, hybrid.plan)]).pk)
    assert order.state == "completed"
    sim = order.tasks.get(key="activate_sim")
    assert sim.attempts == 2 and "503" in sim.last_error
    assert [r["submits"] for r in fulfilment_log(simulator) if r["reference"] == sim.reference] == [1]
    assert OrderEvent.objects.filter(order=order, message__contains="retry in").exists()


def test_a_permanent_failure_undoes_finished_tasks_in_reverse_order(hybrid, customer, systems, simulator):
    simulator.control("faults", {"system": "crm", "reject_tasks": ["add_billing"]})
    order = drive(place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)]).pk)

    assert order.state == "failed"
    assert "add_billing in crm failed" in order.state_reason
    tasks = {t.key: t for t in order.tasks.all()}
    assert tasks["bill"].state == T.FAILED
    assert tasks["activate_sim"].state == tasks["ship"].state == T.COMPENSATED
    undone = [e.message for e in OrderEvent.objects.filter(order=order, kind="undo").order_by("id")]
    assert [m.split(":")[0] for m in undone[1:]] == ["mobile", "logistics"]  # the SIM first, then the phone
    log = {r["task"]: r for r in fulfilment_log(simulator)}
    assert log["activate_sim"]["cancelled"] and log["ship_device"]["cancelled"]
    # The phone was delivered (its item completed) and is gone again: returned.
    assert set(HeldProduct.objects.filter(customer=customer).values_list("status", flat=True)) == {"terminated"}
    assert set(order.items.values_list("state", flat=True)) == {"failed"}


def test_running_out_of_attempts_fails_the_order(hybrid, customer, systems, simulator, settings):
    settings.FULFILMENT_MAX_ATTEMPTS = 2
    settings.FULFILMENT_UNAVAILABLE_SECONDS = 0  # no outage is waited out: attempts alone decide
    simulator.control("faults", {"system": "fixed", "error_rate": 1.0})
    order = drive(place(customer, [item(1, hybrid.fibre)]).pk)
    assert order.state == "failed"
    line = order.tasks.get(key="provision_line")
    assert line.attempts == 2 and "gave up after 2 attempts" in line.last_error


def test_an_attempt_refused_by_an_open_circuit_uses_up_no_attempt(hybrid, customer, systems, simulator):
    breaker = breaker_for("mobile")
    for _ in range(breaker.threshold):
        breaker.record(False)  # mobile failed for someone else just now: its circuit is open
    simulator.control("reset_stats", {})

    order = place(customer, [item(1, hybrid.plan)])

    sim = order.tasks.get(key="activate_sim")
    assert (sim.state, sim.attempts) == (T.RETRYING, 0)
    assert simulator.stats().get("mobile", 0) == 0  # it never reached the system
    # The retry waits for the circuit to let calls through again, not for a short back-off.
    assert (sim.next_attempt_at - timezone.now()).total_seconds() > breaker.cooldown - 5
    assert OrderEvent.objects.filter(order=order, message__contains="activate_sim not sent (circuit open)").exists()


@pytest.fixture
def outage(settings, simulator):
    """Mobile answers 503 to everything until ``over()``; its circuit cools down in 0.2 s."""
    settings.BACKOFFICE_CIRCUIT_COOLDOWN_SECONDS = 0.2
    simulator.control("faults", {"system": "mobile", "error_rate": 1.0})

    class Outage:
        def over(self):
            simulator.control("faults", {"system": "mobile"})

    return Outage()


def test_an_outage_shorter_than_the_unavailable_window_is_waited_out(hybrid, customer, systems, outage, settings):
    settings.FULFILMENT_UNAVAILABLE_SECONDS = 60
    order = place(customer, [item(1, hybrid.plan)])
    # Down far longer than its attempts' back-off takes (6 x at most 0.05 s here), and still waiting.
    ends = time.monotonic() + 1.5
    order = drive(order.pk, until=lambda o: time.monotonic() > ends or o.state in ("failed", "completed"))
    assert order.state == "inProgress", order.state_reason
    sim = order.tasks.get(key="activate_sim")
    assert sim.state == T.RETRYING and sim.attempts > settings.FULFILMENT_MAX_ATTEMPTS
    outage.over()

    order = drive(order.pk)

    assert order.state == "completed", order.state_reason
    assert OrderEvent.objects.filter(order=order, message__contains="not sent (circuit open)").exists()


def test_an_outage_longer_than_the_unavailable_window_fails_the_order(hybrid, customer, systems, outage, settings):
    settings.FULFILMENT_UNAVAILABLE_SECONDS = 1
    order = drive(place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)]).pk)

    assert order.state == "failed"
    assert "activate_sim in mobile failed: mobile unavailable for" in order.state_reason
    sim = order.tasks.get(key="activate_sim")
    assert sim.state == T.FAILED and (sim.finished_at - sim.submitted_at).total_seconds() >= 1
    failed = OrderEvent.objects.get(order=order, task=sim, message__contains="failed:").message
    assert "HTTP 503" in failed and "gave up after" in failed
    assert order.tasks.get(key="ship").state == T.COMPENSATED  # the phone it had shipped is undone


def test_an_optional_item_that_fails_leaves_the_order_partial(hybrid, customer, systems, simulator):
    simulator.control("faults", {"system": "partner", "reject_tasks": ["activate_subscription"]})
    order = drive(place(customer, [item(1, hybrid.fibre), item(2, hybrid.streaming)]).pk)
    assert order.state == "partial"
    states = dict(order.items.values_list("item_id", "state"))
    assert states == {"1": "completed", "2": "failed"}
    assert HeldProduct.objects.filter(customer=customer, system="fixed").exists()
    assert not HeldProduct.objects.filter(customer=customer, system="partner").exists()


def test_long_running_tasks_are_polled_until_done(hybrid, customer, systems, simulator):
    simulator.control("faults", {"system": "logistics", "fulfil_ms": 300})
    order = place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)])
    assert order.tasks.get(key="ship").state == T.IN_SYSTEM
    assert order.tasks.get(key="activate_sim").state == T.BLOCKED
    order = drive(order.pk)
    assert order.state == "completed"


def test_a_task_that_takes_too_long_fails(hybrid, customer, systems, simulator):
    simulator.control("faults", {"system": "logistics", "fulfil_ms": 60_000})
    hybrid.phone.specification.fulfilment_steps.update(timeout_seconds=0)
    order = drive(place(customer, [item(1, hybrid.phone)]).pk)
    assert order.state == "failed"
    assert "did not finish ship_device within 0 s" in order.state_reason
    assert fulfilment_log(simulator)[0]["cancelled"]  # cancelled in the system too


def test_an_unknown_system_fails_the_order_with_the_reason(hybrid, customer, systems):
    hybrid.fibre.specification.fulfilment_steps.filter(key="provision_line").update(system="nowhere")
    order = drive(place(customer, [item(1, hybrid.fibre)]).pk)
    assert order.state == "failed"
    assert "'nowhere' is not connected" in order.state_reason


def test_redelivered_jobs_change_nothing(hybrid, customer, systems, simulator):
    from orchestration import tasks as jobs

    order = drive(place(customer, [item(1, hybrid.plan)]).pk)
    for task in order.tasks.all():
        jobs.run_task.delay(task.pk)
        jobs.poll_task.delay(task.pk)
    jobs.start_order_task.delay(order.pk)
    assert all(r["submits"] == 1 for r in fulfilment_log(simulator))
    assert order.timeline.count() == type(order).objects.get(pk=order.pk).timeline.count()


def test_in_life_changes_run_in_the_products_own_system(hybrid, customer, systems, simulator):
    held = HeldProduct.objects.create(
        customer=customer, system="mobile", external_id="SUB-1", name="Mobile S", source_hash=""
    )
    order = drive(place(customer, [item(1, None, action="delete", held=held)]).pk)
    assert order.state == "completed"
    assert [(r["system"], r["task"]) for r in fulfilment_log(simulator)] == [("mobile", "terminate_product")]
    held.refresh_from_db()
    assert held.status == "terminated" and held.termination_date is not None
