"""Moving the outbox to its own app keeps every event, delivery, attempt and listener, and the permissions on them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from events.models import DeliveryAttempt, EventDelivery, EventSubscription, OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orchestration", "0004_order_supervision"), ("events", None)]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_events_written_under_the_old_schema_are_found_after_the_move():
    old = migrate(BEFORE).loader.project_state(BEFORE[0]).apps
    subscription = old.get_model("orchestration", "EventSubscription").objects.create(
        id="sub-1", api="productOrderingManagement", callback="https://listener.example/x", owner="client:1", secret="s"
    )
    event = old.get_model("orchestration", "OutboxEvent").objects.create(
        event_id="ev-1",
        api="productOrderingManagement",
        event_type="ProductOrderCreateEvent",
        resource_type="ProductOrder",
        resource_id="o-1",
        payload={"productOrder": {"id": "o-1"}},
    )
    delivery = old.get_model("orchestration", "EventDelivery").objects.create(
        event=event, subscription=subscription, resource_key="ProductOrder:o-1", state="gaveUp", attempts=20
    )
    old.get_model("orchestration", "DeliveryAttempt").objects.create(
        delivery=delivery, status_code=503, error="HTTP 503"
    )
    # A supervisor group granted the old app's permission on the outbox keeps it.
    ContentType.objects.clear_cache()
    old_type, _ = ContentType.objects.get_or_create(app_label="orchestration", model="outboxevent")
    assert not ContentType.objects.filter(app_label="events", model="outboxevent").exists()
    permission, _ = Permission.objects.get_or_create(
        content_type=old_type, codename="view_outboxevent", defaults={"name": "Can view"}
    )
    Group.objects.create(name="old-supervisors").permissions.add(permission)

    migrate(latest())
    ContentType.objects.clear_cache()

    moved = OutboxEvent.objects.get(event_id="ev-1")
    assert (moved.event_type, moved.payload) == ("ProductOrderCreateEvent", {"productOrder": {"id": "o-1"}})
    assert EventSubscription.objects.get(pk="sub-1").callback == "https://listener.example/x"
    kept = EventDelivery.objects.get(event=moved)
    assert (kept.subscription_id, kept.state, kept.attempts) == ("sub-1", "gaveUp", 20)
    assert DeliveryAttempt.objects.get(delivery=kept).status_code == 503
    granted = Group.objects.get(name="old-supervisors").permissions.get()
    assert (granted.content_type.app_label, granted.codename) == ("events", "view_outboxevent")
