"""Publishing writes the event and reads its API's listeners in one statement."""

import pytest

from events import services
from events.models import EventDelivery, EventSubscription, OutboxEvent

pytestmark = pytest.mark.django_db
HUB = "/tmf-api/productOrderingManagement/v4/hub"


def publish(resource_id: str, visible_to=lambda principal: True) -> OutboxEvent:
    return services.publish(
        api="productOrderingManagement",
        event_type="ProductOrderStateChangeEvent",
        resource_type="ProductOrder",
        resource_id=resource_id,
        event={"productOrder": {"id": resource_id, "state": "completed"}},
        visible_to=visible_to,
    )


def test_an_event_nobody_listens_to_is_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        row = publish("o1")
    stored = OutboxEvent.objects.get()
    assert (row.seq, row.event_id, row.payload, row.created_at) == (
        stored.seq,
        stored.event_id,
        stored.payload,
        stored.created_at,
    )
    assert stored.payload == {"productOrder": {"id": "o1", "state": "completed"}} and not row._state.adding


def test_the_apis_listeners_that_may_see_it_get_a_delivery(make_client, listener):
    web = make_client("web", ("orders:read", "catalog:read"))
    for api in ("productOrderingManagement", "productCatalogManagement"):
        response = web.post(f"/tmf-api/{api}/v4/hub", {"callback": listener.url}, format="json")
        assert response.status_code == 201, response.content
    web.post(HUB, {"callback": listener.url, "query": "eventType=Nothing"}, format="json")
    ordering = EventSubscription.objects.get(api="productOrderingManagement", query="")
    asked = []

    row = publish("o1", visible_to=lambda principal: asked.append(principal.key) or True)
    hidden = publish("o2", visible_to=lambda principal: False)

    assert asked == [ordering.owner]
    assert list(EventDelivery.objects.values_list("event_id", "subscription_id")) == [(row.seq, ordering.pk)]
    assert not EventDelivery.objects.filter(event_id=hidden.seq).exists()
