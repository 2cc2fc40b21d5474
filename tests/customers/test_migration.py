"""Products held before they knew their offering learn it when the schema gains it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from customers.models import HeldProduct

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("customers", "0010_source_version")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_held_products_learn_their_offering_from_their_code():
    loader = migrate(BEFORE).loader
    catalog = [node for node in loader.graph.leaf_nodes() if node[0] == "catalog"]
    old = loader.project_state([*BEFORE, *catalog]).apps
    offerings = old.get_model("catalog", "ProductOffering").objects
    crm_plan = offerings.create(id="o-crm", name="Mobile M", source_system="crm", external_id="MOB-M")
    offerings.create(id="o-mobile", name="Mobile M (stack)", source_system="mobile", external_id="MOB-M")
    ordered = offerings.create(id="o-own", name="TV Basic")
    customer = old.get_model("customers", "Customer").objects.create(id="c-1")
    held = old.get_model("customers", "HeldProduct").objects

    def product(system, external_id, code):
        held.create(customer=customer, system=system, external_id=external_id, name="x", product_code=code)

    product("mobile", "SUB-1", "MOB-M")  # its own system's tariff code first
    product("fixed", "L-1", "MOB-M")  # another system's: the one that has it
    product("overlay", "o-1-1-1", ordered.pk)  # delivered by an order: the offering's own id
    product("logistics", "S-1", "NOWHERE")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    found = dict(HeldProduct.objects.values_list("external_id", "offering_id"))
    assert found == {"SUB-1": "o-mobile", "L-1": crm_plan.pk, "o-1-1-1": "o-own", "S-1": None}
    assert set(HeldProduct.objects.values_list("price", flat=True)) == {None}
