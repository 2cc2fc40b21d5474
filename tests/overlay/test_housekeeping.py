"""Housekeeping: what is past its retention goes, in batches; what may still matter stays."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cart.models import CartItem, Handoff, ShoppingCart
from events.models import DeliveryAttempt, EventDelivery, EventSubscription, OutboxEvent
from overlay import housekeeping
from overlay.models import IdempotencyRecord
from overlay.tasks import housekeeping_task
from tests.factories.carts import CartFactory, CartItemFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def aged(model, pks, **when):
    model.objects.filter(pk__in=pks).update(**when)


def test_idempotency_records_go_after_their_retention_in_batches(settings):
    settings.HOUSEKEEPING_BATCH_SIZE = 2
    records = [
        IdempotencyRecord.objects.create(
            principal="client:1", key=f"k{n}", request_hash="h", resource_type="ProductOrder", resource_id=str(n)
        )
        for n in range(6)
    ]
    now = timezone.now()
    aged(IdempotencyRecord, [r.pk for r in records[:5]], created_at=now - timedelta(seconds=1) - 7 * DAY)
    with CaptureQueriesContext(connection) as queries:
        assert housekeeping.idempotency_records(now) == 5
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "overlay_idempotency')]
    assert len(deletes) == 3  # 2 + 2 + 1: batches, each its own transaction
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k5"]


def _event(n: int, *states: str, days_old: int) -> OutboxEvent:
    event = OutboxEvent.objects.create(
        api="productOrderingManagement", event_type="E", resource_type="R", resource_id=str(n), payload={}
    )
    for state in states:
        listener = EventSubscription.objects.create(api="productOrderingManagement", callback="https://l/e", owner="x")
        delivery = EventDelivery.objects.create(event=event, subscription=listener, resource_key=f"R:{n}", state=state)
        DeliveryAttempt.objects.create(delivery=delivery, status_code=204)
    aged(OutboxEvent, [event.pk], created_at=timezone.now() - days_old * DAY)
    return event


def test_delivered_events_go_with_their_attempts_undelivered_ones_stay():
    from events.ops import delivered_events

    delivered, pending, gave_up = (
        EventDelivery.State.DELIVERED,
        EventDelivery.State.PENDING,
        EventDelivery.State.GAVE_UP,
    )
    gone = [_event(1, delivered, delivered, days_old=31), _event(2, days_old=31)]  # the second had no listener
    kept = [
        _event(3, delivered, pending, days_old=31),  # one listener still waits
        _event(4, gave_up, days_old=90),  # given up: an operator may send it again
        _event(5, delivered, days_old=29),  # not old enough
    ]
    assert delivered_events(timezone.now()) == 2
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not DeliveryAttempt.objects.filter(delivery__event__in=gone).exists()
    assert EventDelivery.objects.filter(state=pending).count() == 1


def test_expired_carts_go_after_their_retention_open_and_checked_out_ones_stay():
    from cart.ops import expired_carts

    now, customer = timezone.now(), CustomerFactory()

    def cart(status, expired_days_ago, **extra):
        made = CartItemFactory(cart=CartFactory(customer=extra.pop("customer", None), status=status, **extra)).cart
        aged(ShoppingCart, [made.pk], expires_at=now - expired_days_ago * DAY)
        return made

    gone = [
        cart("expired", 31),
        cart("merged", 40),
        cart("open", 31, customer=customer),  # left open, untouched since: it expired 31 days ago
    ]
    kept = [
        cart("open", -3, customer=CustomerFactory()),  # a customer's cart, still alive
        cart("open", 29),  # expired, but within the retention
        cart("expired", 29),
        cart("checkedOut", 400, order_id="o-1"),  # stays with its order
    ]
    Handoff.objects.create(cart=gone[0], code_hash="h0", from_channel="web", created_by="x", expires_at=now - 40 * DAY)
    assert expired_carts(now) == 3
    assert set(ShoppingCart.objects.values_list("pk", flat=True)) == {c.pk for c in kept}
    assert CartItem.objects.count() == 4 and not Handoff.objects.exists()


def test_hand_offs_go_once_expired_long_enough_claimed_or_not():
    from cart.ops import expired_handoffs

    now, cart = timezone.now(), CartFactory()

    def handoff(code, expired_days_ago, claimed=False):
        return Handoff.objects.create(
            cart=cart,
            code_hash=code,
            from_channel="web",
            created_by="x",
            context={"address": "Damrak 1"},
            expires_at=now - expired_days_ago * DAY,
            claimed_at=now - 40 * DAY if claimed else None,
        )

    handoff("old", 8), handoff("old-claimed", 8, claimed=True), handoff("recent", 6), handoff("live", -1)
    assert expired_handoffs(now) == 2
    assert set(Handoff.objects.values_list("code_hash", flat=True)) == {"recent", "live"}
    assert ShoppingCart.objects.filter(pk=cart.pk).exists()


def test_the_beat_job_and_the_command_run_every_clean_up():
    assert settings.CELERY_BEAT_SCHEDULE["housekeeping"]["task"] == "overlay.tasks.housekeeping_task"
    record = IdempotencyRecord.objects.create(
        principal="c", key="k", request_hash="h", resource_type="T", resource_id="1"
    )
    aged(IdempotencyRecord, [record.pk], created_at=timezone.now() - 8 * DAY)
    counts = housekeeping_task.delay().get()
    assert counts["idempotencyRecords"] == 1
    assert {"deliveredEvents", "expiredCarts", "expiredHandoffs"} <= counts.keys()  # other apps may add theirs
    out = StringIO()
    call_command("housekeeping", stdout=out)
    assert "idempotencyRecords: 0 removed" in out.getvalue() and "expiredCarts: 0 removed" in out.getvalue()
