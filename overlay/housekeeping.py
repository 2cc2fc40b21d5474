"""Housekeeping: what is kept only for a while is removed once its time is up, in small batches.

Each app says what it keeps for how long in its ``ops.py`` (``@overlay.registry.housekeeping``);
the kernel's own share is the idempotency records. Celery beat runs ``overlay.tasks.housekeeping_task``
every ``HOUSEKEEPING_SECONDS``; ``manage.py housekeeping`` runs it by hand (embedded mode has no beat).
Deleting goes ``HOUSEKEEPING_BATCH_SIZE`` rows at a time, each batch its own short transaction,
so a large backlog never holds long locks; what may still matter (an undelivered event, an open
cart before its time) is never selected.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from overlay import registry
from overlay.models import IdempotencyRecord

logger = logging.getLogger(__name__)


def cutoff(now: datetime, seconds: float) -> datetime:
    return now - timedelta(seconds=seconds)


def delete_in_batches(rows: QuerySet) -> int:
    """Delete every row ``rows`` selects (and what cascades from it), a batch per transaction; returns how many."""
    deleted = 0
    while ids := list(rows.order_by("pk").values_list("pk", flat=True)[: settings.HOUSEKEEPING_BATCH_SIZE]):
        with transaction.atomic():
            rows.model.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted


@registry.housekeeping("idempotencyRecords")
def idempotency_records(now: datetime) -> int:
    """A key replayed after ``IDEMPOTENCY_RETENTION_SECONDS`` is a new request: clients retry within minutes."""
    return delete_in_batches(
        IdempotencyRecord.objects.filter(created_at__lt=cutoff(now, settings.IDEMPOTENCY_RETENTION_SECONDS))
    )


def run(now: datetime | None = None) -> dict[str, int]:
    """Every registered clean-up, at ``now``; how many rows each removed."""
    registry.discover()
    now = now or timezone.now()
    removed = {name: job.run(now) for name, job in sorted(registry.HOUSEKEEPING.items())}
    logger.info("housekeeping removed %s", ", ".join(f"{name}: {count}" for name, count in removed.items()))
    return removed
