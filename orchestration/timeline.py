"""An order's timeline: what happened to it, in order, and its state changes (checked and published)."""

from django.db import connection
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
    message = f"{previous} → {to}" + (f": {reason}" if reason else "")
    _save_with_lines(order, [*notes, line(order.pk, message, kind="state", actor=actor)])
    events.order_state_changed(order)


def _save_with_lines(order: ProductOrder, lines: list[OrderEvent]) -> None:
    """``order.save()`` and the lines written, in one statement on PostgreSQL (the UPDATE in a CTE)."""
    if connection.vendor != "postgresql":
        order.save()
        OrderEvent.objects.bulk_create(lines)
        return
    quote = connection.ops.quote_name
    saved = [f for f in ProductOrder._meta.concrete_fields if not f.primary_key]
    written = [f for f in OrderEvent._meta.concrete_fields if not f.primary_key]
    rows = ", ".join(f"({', '.join(['%s'] * len(written))})" for _ in lines)
    sql = (
        f"WITH saved AS (UPDATE {quote(ProductOrder._meta.db_table)}"
        f" SET {', '.join(f'{quote(f.column)} = %s' for f in saved)} WHERE {quote(ProductOrder._meta.pk.column)} = %s)"
        f" INSERT INTO {quote(OrderEvent._meta.db_table)} ({', '.join(quote(f.column) for f in written)})"
        f" VALUES {rows}"
    )
    params = [f.get_db_prep_save(f.pre_save(order, False), connection) for f in saved] + [order.pk]
    params += [f.get_db_prep_save(f.pre_save(row, True), connection) for row in lines for f in written]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
