"""Products an order delivered land in the inventory in one statement, a product a sync saw first keeping its row."""

import pytest

from customers import services
from customers.models import Customer, HeldProduct
from overlay import bulk

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["postgresql", "orm"])
def path(request, monkeypatch):
    if request.param == "orm":
        monkeypatch.setattr(bulk, "is_postgres", lambda: False)
    return request.param


def product(external_id: str, name: str) -> services.DeliveredProduct:
    return services.DeliveredProduct(
        system="mobile",
        external_id=external_id,
        name=name,
        product_code="M50",
        characteristics={"msisdn": external_id},
        price=[{"amount": "10.00"}],
    )


def test_delivered_products_are_upserted_and_come_back_with_their_rows_ids(path, django_assert_num_queries):
    buyer, other = Customer.objects.create(id="c1"), Customer.objects.create(id="c2")
    known = HeldProduct.objects.create(
        id="synced", customer=other, system="mobile", external_id="S1", name="Old", source_hash="x", source_version=7
    )
    with django_assert_num_queries(1 if path == "postgresql" else 2):
        held = services.held_products_delivered(buyer.pk, [product("S1", "Mobile M"), product("S2", "Mobile L")])

    assert (held[0].pk, held[0].name, held[0].customer_id) == ("synced", "Mobile M", "c1")
    assert held[0].source_version == 7 and held[1].pk not in ("", "synced", None)
    stored = {h.pk: h for h in HeldProduct.objects.all()}
    assert set(stored) == {h.pk for h in held}
    for h in held:
        row = stored[h.pk]
        assert (row.customer_id, row.name, row.status, row.price, row.characteristics, row.source_version) == (
            h.customer_id,
            h.name,
            h.status,
            h.price,
            h.characteristics,
            h.source_version,
        )
    assert stored[known.pk].source_hash == "" and stored[known.pk].termination_date is None
    assert not held[0]._state.adding
