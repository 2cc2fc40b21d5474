"""Orders completed before items named their product keep naming it, in ``product`` now."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orchestration.models import ProductOrderItem

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orchestration", "0006_states_as_choices")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_completed_items_name_the_product_they_delivered_or_changed():
    old = migrate(BEFORE).loader.project_state(BEFORE[0]).apps
    customer = old.get_model("customers", "Customer").objects.create(id="c-1")
    held = old.get_model("customers", "HeldProduct")
    added = held.objects.create(id="p-added", customer=customer, system="mobile", external_id="S1", name="Plan")
    changed = held.objects.create(id="p-changed", customer=customer, system="mobile", external_id="S2", name="Plan")
    order = old.get_model("orchestration", "ProductOrder").objects.create(id="o-1", customer=customer, channel="web")
    items = old.get_model("orchestration", "ProductOrderItem").objects
    # Before: a completed add held what it delivered in ``held_product``; a modify the product it changed.
    items.create(order=order, item_id="1", action="add", state="completed", held_product=added)
    items.create(order=order, item_id="2", action="modify", state="completed", held_product=changed)
    items.create(order=order, item_id="3", action="modify", state="acknowledged", held_product=changed)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    found = {i.item_id: (i.held_product_id, i.product_id) for i in ProductOrderItem.objects.filter(order_id="o-1")}
    assert found == {"1": (None, "p-added"), "2": ("p-changed", "p-changed"), "3": ("p-changed", None)}
