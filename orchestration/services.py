"""Domain actions of orchestration: taking and cancelling orders, supervisors' actions."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from orchestration import events, fulfilment, plan, states, timeline
from orchestration.models import (
    CancelProductOrder,
    FulfilmentTask,
    OrderEvent,
    ProductOrder,
    ProductOrderItem,
)
from overlay.errors import Conflict, NotFound, UnprocessableEntity
from overlay.jobs import enqueue

T = FulfilmentTask.State
S = ProductOrder.State


@dataclass(frozen=True)
class OrderItemInput:
    """One priced line of an order; ``item_price`` is the pricing engine's snapshot."""

    item_id: str
    action: str
    offering_id: str | None
    offering_name: str
    quantity: int
    characteristics: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    held_product_id: str | None = None
    item_price: list = field(default_factory=list)


def order_create(
    *,
    customer_id: str,
    channel: str,
    created_by: str,
    items: list[OrderItemInput],
    total_price: list,
    cart_id: str = "",
    description: str = "",
    external_id: str = "",
    note: list | None = None,
    priority: str = "",
    category: str = "",
    requested_completion_date: datetime | None = None,
) -> ProductOrder:
    """Take an order with its priced snapshot, in the caller's transaction.

    The order is ``acknowledged`` with its fulfilment tasks already planned; once the caller
    commits, orchestration starts it (and the sweeper does if that message is lost).
    """
    if not items:
        raise UnprocessableEntity("An order needs at least one item.")
    order = ProductOrder.objects.create(
        customer_id=customer_id,
        channel=channel,
        created_by=created_by[:150],
        cart_id=cart_id,
        description=description,
        external_id=external_id,
        note=note or [],
        priority=priority,
        category=category,
        requested_completion_date=requested_completion_date,
        order_total_price=total_price,
    )
    ProductOrderItem.objects.bulk_create(
        ProductOrderItem(
            order=order,
            item_id=item.item_id,
            action=item.action,
            offering_id=item.offering_id,
            offering_name=item.offering_name,
            quantity=item.quantity,
            characteristics=item.characteristics,
            members=item.members,
            held_product_id=item.held_product_id,
            item_price=item.item_price,
        )
        for item in items
    )
    # Read once, as the plan and the order's event (and representation) read them.
    prefetch_related_objects([order], Prefetch("items", queryset=plan.items_to_plan()))
    tasks = plan.decompose(order)
    OrderEvent.objects.create(
        order=order,
        kind="state",
        actor=created_by[:150],
        message=f"acknowledged: {len(tasks)} fulfilment tasks planned",
    )
    events.order_created(order)
    enqueue(fulfilment.START_ORDER, order.pk)
    return order


def order_cancel(
    order_id: str, *, reason: str, actor: str, requested_date: datetime | None = None
) -> CancelProductOrder:
    """Cancel an order while its fulfilment can still be undone (TMF622 cancelProductOrder).

    Refused (409) once it is final, already being undone, or when something it did cannot be
    undone. Otherwise the order is ``pendingCancellation`` at once, its unstarted tasks are
    cancelled and its finished ones undone in reverse order; it ends ``cancelled``.
    """
    with transaction.atomic():
        order = ProductOrder.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise NotFound(f"No product order with id '{order_id}'.")
        if order.state not in states.CANCELLABLE or order.undoing:
            raise Conflict(f"The order is {order.state} and can no longer be cancelled.")
        done = FulfilmentTask.objects.filter(order=order, state=T.DONE, undo_task="")
        if done.exists():
            names = ", ".join(sorted({f"{t.task} ({t.system})" for t in done}))
            raise Conflict(f"The order can no longer be cancelled: {names} is done and cannot be undone.")
        cancellation = CancelProductOrder.objects.create(
            order=order,
            cancellation_reason=reason[:300],
            requested_cancellation_date=requested_date,
            requested_by=actor[:150],
            state=CancelProductOrder.State.IN_PROGRESS,
        )
        order.cancellation_reason = reason[:300]
        order.save(update_fields=["cancellation_reason", "last_update"])
        events.cancellation_event(cancellation, "CancelProductOrderCreateEvent")
        timeline.transition(order, S.PENDING_CANCELLATION, reason=reason or "cancelled on request", actor=actor)
        fulfilment.undo_order(order, reason=f"cancelled by {actor}" + (f": {reason}" if reason else ""))
    return cancellation


def order_retry(order_id: str, *, actor: str) -> int:
    """A supervisor's "retry now": tasks waiting for a retry or stuck get a fresh budget of attempts."""
    with transaction.atomic():
        order = ProductOrder.objects.select_for_update().get(pk=order_id)
        if order.state != S.IN_PROGRESS or order.undoing:
            raise Conflict(f"Only orders in progress can be retried; this one is {order.state}.")
        now = timezone.now()
        stuck = list(FulfilmentTask.objects.filter(order=order).filter(state__in=(T.RETRYING, T.READY, T.RUNNING)))
        for task in stuck:
            task.state, task.attempts, task.next_attempt_at, task.lease_until = T.READY, 0, now, None
            task.save(update_fields=["state", "attempts", "next_attempt_at", "lease_until"])
            enqueue(fulfilment.RUN_TASK, task.pk)
        OrderEvent.objects.create(
            order=order, kind="supervisor", actor=actor[:150], message=f"retry: {len(stuck)} tasks"
        )
    return len(stuck)


def order_force_complete(order_id: str, *, actor: str, reason: str) -> None:
    """A supervisor completes an order by hand (the work was done outside Overlay); recorded."""
    if not reason.strip():
        raise UnprocessableEntity("Say why the order is completed by hand.")
    with transaction.atomic():
        order = ProductOrder.objects.select_for_update().get(pk=order_id)
        if order.state in states.FINAL or order.undoing:
            raise Conflict(f"The order is {order.state}; it cannot be completed by hand.")
        if order.state == S.ACKNOWLEDGED:
            timeline.transition(order, S.IN_PROGRESS, reason="started to be completed by hand", actor=actor)
        unfinished = FulfilmentTask.objects.filter(order=order, state__in=fulfilment.UNFINISHED)
        for task in unfinished:
            task.state, task.finished_at, task.lease_until = T.DONE, timezone.now(), None
            task.last_error = f"completed by hand by {actor}"[:500]
            task.save(update_fields=["state", "finished_at", "lease_until", "last_error"])
        OrderEvent.objects.create(
            order=order, kind="supervisor", actor=actor[:150], message=f"force-complete: {reason}"[:500]
        )
        fulfilment.advance(order)
