"""Celery jobs of events. Safe to run twice: each delivery is taken under a row lock."""

from celery import shared_task

from events import dispatch
from events.services import DISPATCH


@shared_task(name=DISPATCH, acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def dispatch_events_task() -> int:
    return dispatch.dispatch()


@shared_task(acks_late=True)
def sweep_events_task() -> bool:
    """Celery beat: send deliveries whose job was lost (a crash) or whose retry is due (embedded mode)."""
    return dispatch.sweep()
