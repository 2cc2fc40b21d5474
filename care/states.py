"""The trouble ticket's life: which status may follow which, and who may make the move.

The back-office system working on a ticket moves it (acknowledged → inProgress → resolved, or
pending/held while it waits); what it reports is taken as it is. Through Overlay's API a customer
or an agent may only withdraw a ticket (cancelled), accept a resolution (closed) or say it is not
fixed after all (inProgress again): one explicit table, as orders have.
"""

from care.models import TroubleTicket

Status = TroubleTicket.Status

FINAL = frozenset({Status.CLOSED, Status.CANCELLED, Status.REJECTED})
OPEN = frozenset(set(Status) - FINAL)

# What a caller of the API may move a ticket to, from each status.
CALLER_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.ACKNOWLEDGED: frozenset({Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.CANCELLED}),
    Status.PENDING: frozenset({Status.CANCELLED}),
    Status.HELD: frozenset({Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
}


def caller_may_move(current: str, new: str) -> bool:
    return new in CALLER_TRANSITIONS.get(current, frozenset())
