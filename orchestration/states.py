"""The one state machine of product orders: TMF622's states and the transitions allowed between them.

A pure table; ``orchestration.timeline.transition`` moves an order along it.
"""

from orchestration.models import ProductOrder

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
