"""The request sequence of TM Forum's TMF622 v4 conformance kit, replayed with its assertions.

The kit places an order (its config.json's payload, pointed at a customer and an offering that exist),
lists orders, reads it back, selects href, id and orderDate with ``fields=``, filters by id and orderDate,
and expects a 404 for an unknown id. Every order listed must carry productOrderItem, href, id, orderDate,
relatedParty and state: orders in every state are listed beside it.
"""

import pytest

from orchestration.services import order_cancel, order_force_complete
from tests.conformance import Kit, create, replay
from tests.factories.orders import item, place

ORDERS = Kit(
    "/tmf-api/productOrderingManagement/v4/productOrder",
    ("productOrderItem", "href", "id", "orderDate", "relatedParty", "state"),
    strings=("href", "id", "orderDate"),
    arrays=("productOrderItem", "relatedParty"),
    selected=("href", "id", "orderDate"),
    filtered=("id", "orderDate"),
    unknown_id="f42b01d2-dba6-4442-a0fa-34e59639fd15",
)


@pytest.mark.django_db
def test_conformance_kit_sequence(make_client, hybrid, customer, bob):
    order_force_complete(place(bob, [item(1, hybrid.phone)]).pk, actor="supervisor", reason="done in the shop")
    order_cancel(place(bob, [item(1, hybrid.plan)]).pk, reason="changed my mind", actor="bob")
    app = make_client("web", ("orders:read", "orders:write", "customers:read"))
    payload = {
        "productOrderItem": [{"id": "123", "action": "add", "productOffering": {"id": hybrid.plan.pk}}],
        "relatedParty": [{"id": customer.pk, "@referredType": "Individual"}],
    }
    created = create(ORDERS, app, payload)
    replay(ORDERS, app, [created])
    assert len(app.get(ORDERS.path).json()) == 3
