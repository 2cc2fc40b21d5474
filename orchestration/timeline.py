"""An order's timeline: what happened to it, in order, and its state changes (checked and published)."""

from django.utils import timezone

from orchestration import events
from orchestration.models import FulfilmentTask, OrderEvent, ProductOrder
from orchestration.states import FINAL, S, can_move
from overlay.errors import Conflict


def line(
    order_id: str, message: str, *, task: FulfilmentTask | None = None, kind="task", actor="overlay"
) -> OrderEvent:
    """A line for the order's timeline, not written yet (to write several in one statement)."""
    return OrderEvent(order_id=order_id, task=task, kind=kind, actor=actor[:150], message=message[:500])


def note(order_id: str, message: str, *, task: FulfilmentTask | None = None, kind="task", actor="overlay") -> None:
    """Put a line on the order's timeline."""
    line(order_id, message, task=task, kind=kind, actor=actor).save()


def transition(
    order: ProductOrder, to: str, *, reason: str = "", actor: str = "overlay", notes: list[OrderEvent] = ()
) -> None:
    """Move a (locked) order to ``to``: checked, saved, put on its timeline and published as an event.

    ``notes``: timeline lines of what led to it, written before the state's own line, in one statement.
    """
    if not can_move(order.state, to):
        raise Conflict(f"An order that is {order.state} cannot become {to}.")
    previous = order.state
    order.state = to
    order.state_reason = reason[:300]  # why it is in this state: an earlier state's reason no longer holds
    now = timezone.now()
    if to in FINAL:
        order.completion_date = now
    if to == S.CANCELLED:
        order.cancellation_date = now
    order.save()
    message = f"{previous} → {to}" + (f": {reason}" if reason else "")
    OrderEvent.objects.bulk_create([*notes, line(order.pk, message, kind="state", actor=actor)])
    events.order_state_changed(order)
