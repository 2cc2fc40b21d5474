"""Celery jobs of care: routing a ticket, the poll over open tickets, pushed tickets. Ids in, safe to repeat."""

from celery import shared_task

from care import routing
from care.services import ROUTE_TICKET

JOB = {"acks_late": True, "reject_on_worker_lost": True, "soft_time_limit": 120, "time_limit": 150}
APPLY_PUSHED = "care.tasks.apply_pushed_tickets_task"


@shared_task(name=ROUTE_TICKET, **JOB)
def route_ticket_task(ticket_id: str) -> str:
    return routing.ticket_route(ticket_id)


@shared_task(name="care.tasks.poll_tickets_task", acks_late=True)
def poll_tickets_task() -> dict:
    return routing.tickets_poll()


@shared_task(name=APPLY_PUSHED, **JOB)
def apply_pushed_tickets_task(system_code: str, records: list[dict]) -> int:
    return routing.pushed_tickets_apply(system_code, records)
