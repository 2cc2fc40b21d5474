"""Celery tasks of usage: rating what arrived and was not rated yet (a sweeper; imports rate too)."""

from celery import shared_task

from usage.rating import rate_pending


@shared_task
def rate_pending_task() -> int:
    """Celery beat calls this every SWEEP_SECONDS: periods marked by records since their last rating
    (a sync stopped before rating, a worker lost) are rated. Idempotent; workers share the batches."""
    return rate_pending()
