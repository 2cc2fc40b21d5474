"""Celery jobs of the kernel."""

from celery import shared_task

from overlay import housekeeping


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def housekeeping_task() -> dict[str, int]:
    """Celery beat: remove what has been kept long enough (overlay.housekeeping). Safe to run twice."""
    return housekeeping.run()
