"""The one state machine of product orders: TMF622's states and the transitions allowed between them."""

from django.utils import timezone

from orchestration import events
from orchestration.models import OrderEvent, ProductOrder
from overlay.errors import Conflict

S = ProductOrder.State

FINAL = frozenset({S.COMPLETED, S.FAILED, S.PARTIAL, S.CANCELLED, S.REJECTED})
CANCELLABLE = frozenset({S.ACKNOWLEDGED, S.PENDING, S.HELD, S.IN_PROGRESS, S.ASSESSING_CANCELLATION})

TRANSITIONS: dict[str, frozenset[str]] = {
    S.ACKNOWLEDGED: frozenset(
        {S.IN_PROGRESS, S.REJECTED, S.PENDING, S.HELD, S.ASSESSING_CANCELLATION, S.PENDING_CANCELLATION}
    ),
    S.PENDING: frozenset({S.IN_PROGRESS, S.HELD, S.ASSESSING_CANCELLATION, S.PENDING_CANCELLATION}),
    S.HELD: frozenset({S.IN_PROGRESS, S.PENDING, S.ASSESSING_CANCELLATION, S.PENDING_CANCELLATION}),
    S.IN_PROGRESS: frozenset(
        {S.COMPLETED, S.FAILED, S.PARTIAL, S.HELD, S.PENDING, S.ASSESSING_CANCELLATION, S.PENDING_CANCELLATION}
    ),
    S.ASSESSING_CANCELLATION: frozenset({S.PENDING_CANCELLATION, S.IN_PROGRESS, S.HELD, S.PENDING}),
    S.PENDING_CANCELLATION: frozenset({S.CANCELLED, S.FAILED}),
    **{state: frozenset() for state in FINAL},
}


def can_move(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def transition(order: ProductOrder, to: str, *, reason: str = "", actor: str = "overlay") -> None:
    """Move a (locked) order to ``to``: checked, saved, put on its timeline and published as an event."""
    if not can_move(order.state, to):
        raise Conflict(f"An order that is {order.state} cannot become {to}.")
    previous = order.state
    order.state = to
    if reason:
        order.state_reason = reason[:300]
    now = timezone.now()
    if to in FINAL:
        order.completion_date = now
    if to == S.CANCELLED:
        order.cancellation_date = now
    order.save()
    OrderEvent.objects.create(
        order=order, kind="state", actor=actor[:150], message=f"{previous} → {to}" + (f": {reason}" if reason else "")
    )
    events.order_state_changed(order)
