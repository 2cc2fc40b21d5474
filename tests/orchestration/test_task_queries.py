"""What one fulfilment job costs the database: one transaction, a bounded number of queries.

The order is taken inside the test's transaction, so the jobs it asks for are never sent (they
would be, on commit): each job is run here by hand, one at a time, against the simulator over
HTTP, and its statements are counted. A job's transaction shows as a savepoint opened at the
test's own depth (one opened deeper would be a nested block: a savepoint inside the job's transaction).
"""

import json
import sqlite3

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adapters.services import fulfilment_target
from orchestration import fulfilment
from orchestration.models import FulfilmentTask, ProductOrder
from tests.factories.orders import hybrid_items, item, place

pytestmark = pytest.mark.django_db
T = FulfilmentTask.State
MAX_QUERIES_PER_TASK = 10
# The task that finishes the order also moves it, publishes its event and records the interaction.
MAX_QUERIES_FINISHING = 10
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def cost(job, *args) -> tuple[int, int, int]:
    """(queries, transactions, nested blocks) of one job; queries: statements other than savepoints."""
    depth = len(connection.atomic_blocks)
    opened = []

    def watch(execute, sql, params, many, context):
        if sql.startswith("SAVEPOINT"):
            opened.append(len(connection.atomic_blocks))  # the block is pushed after its savepoint
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(watch):
        job(*args)
    queries = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(SAVEPOINTS)]
    return len(queries), opened.count(depth), len(opened) - opened.count(depth)


def run_to_the_end(order_id: str) -> list[tuple[int, int, int]]:
    """Run every ready task until none is left; (queries, transactions, nested blocks) per job."""
    costs = []
    while ready := list(FulfilmentTask.objects.filter(order_id=order_id, state=T.READY).order_by("id")):
        costs += [cost(fulfilment.task_run, task.pk) for task in ready]
    return costs


def test_each_fulfilment_job_is_one_transaction_of_at_most_ten_queries(hybrid, customer, systems, simulator):
    order = place(customer, hybrid_items(hybrid))
    started = [cost(fulfilment.order_start, order.pk)]
    for system in systems:  # the adapters, checked against the database once a minute, are ready
        fulfilment_target(system)
    costs = run_to_the_end(order.pk)

    assert ProductOrder.objects.get(pk=order.pk).state == "completed"
    assert len(costs) == FulfilmentTask.objects.filter(order=order).count() == 6
    # Taking a task is one statement outside any transaction; what the system answered is one transaction.
    assert [(t, nested) for _, t, nested in started + costs] == [(1, 0)] * 7, costs
    *tasks, finishing = [q for q, _, _ in costs]
    assert max(tasks) <= MAX_QUERIES_PER_TASK, costs
    assert finishing <= MAX_QUERIES_FINISHING, costs
    assert sum(q for q, _, _ in costs) / len(costs) <= MAX_QUERIES_PER_TASK


def test_a_task_costs_five_queries_and_eight_when_it_delivers_its_item(hybrid, customer, systems, simulator):
    order = place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)])
    fulfilment.order_start(order.pk)
    for system in systems:
        fulfilment_target(system)
    ship = FulfilmentTask.objects.get(order=order, key="ship")
    # Taken (1), the order locked (1) with its tasks (1), the task done and the SIM released (1), the timeline
    # (1); the phone is delivered too: its item (1), the product upserted returning its id (1), the item (1).
    assert cost(fulfilment.task_run, ship.pk) == (8, 1, 0)
    sim = FulfilmentTask.objects.get(order=order, key="activate_sim")
    assert sim.state == T.READY
    # The SIM's item still waits for its billing: nothing is delivered.
    assert cost(fulfilment.task_run, sim.pk) == (5, 1, 0)
    # What the shipment produced went to the mobile stack with the SIM (and is not kept in the task's payload).
    shipped = FulfilmentTask.objects.get(pk=ship.pk).outputs
    with sqlite3.connect(f"file:{simulator.db}?mode=ro", uri=True) as db:
        (sent,) = db.execute("SELECT payload FROM fulfilments WHERE reference = ?", (sim.reference,)).fetchone()
    assert shipped and json.loads(sent)["inputs"] == shipped
    assert FulfilmentTask.objects.get(pk=sim.pk).payload == sim.payload


ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
MAX_QUERIES_PER_PLACEMENT = 26


def test_placing_an_order_costs_the_same_queries_for_2_and_20_items(make_client, hybrid, customer):
    app = make_client("web", ("orders:read", "orders:write", "customers:read"))
    offerings = [hybrid.plan, hybrid.streaming]

    def body(count: int) -> dict:
        lines = [{"id": str(n), "action": "add", "productOffering": {"id": offerings[n % 2].pk}} for n in range(count)]
        return {"productOrderItem": lines, "relatedParty": [{"id": customer.pk, "role": "customer"}]}

    app.post(ORDERS, body(2), format="json")  # the pricing data and the token, remembered as in steady state
    counts = []
    for count in (2, 20):
        with CaptureQueriesContext(connection) as captured:
            response = app.post(ORDERS, body(count), format="json")
        assert response.status_code == 201, response.content
        assert len(response.json()["productOrderItem"]) == count
        counts.append(len([q for q in captured.captured_queries if not q["sql"].startswith(SAVEPOINTS)]))
    assert counts[0] == counts[1] <= MAX_QUERIES_PER_PLACEMENT, counts
