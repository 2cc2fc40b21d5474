"""Celery tasks of the adapters: scheduled pulls and pushed changes. They take ids and are idempotent."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from adapters.models import BackOfficeSystem, SyncPartition, SyncRun
from adapters.partitions import PartitionBusy, partition_claim, partition_pull, partitions_due
from adapters.sync import apply_pushed, streams_in_order, sync_stream


@shared_task(acks_late=True)
def sync_stream_task(system_id: int, stream: str, full: bool = False) -> int:
    """Pull one stream; a second copy of this task finds the cursor moved and stops."""
    return sync_stream(BackOfficeSystem.objects.get(pk=system_id), stream, full=full).pk


@shared_task(bind=True, acks_late=True, max_retries=None)
def sync_partition_task(self, partition_id: int) -> int | None:
    """Pull one partition of a stream (``adapters.partitions``); its run's id, or None if it was finished
    already. A copy delivered twice finds it held (and tries again after the lease) or finished."""
    try:
        partition = partition_claim(partition_id)
    except PartitionBusy as busy:
        raise self.retry(countdown=busy.retry_in) from None
    return None if partition is None else partition_pull(partition).pk


@shared_task(acks_late=True)
def apply_pushed_task(system_id: int, stream: str, records: list[dict]) -> int:
    """Apply pushed records (upserts are idempotent: a redelivered task changes nothing)."""
    return apply_pushed(BackOfficeSystem.objects.get(pk=system_id), stream, records).pk


@shared_task
def sync_due_systems() -> list[str]:
    """Celery beat calls this every minute: pull every enabled system whose interval has passed (a stream
    being pulled in partitions has its partitions' jobs sent again instead, those nobody holds)."""
    started = []
    for partition in partitions_due():
        sync_partition_task.delay(partition.pk)
        started.append(f"{partition.system.code}/{partition.stream}#{partition.number}")
    partitioned = set(
        SyncPartition.objects.filter(finished_at__isnull=True).values_list("system_id", "stream").distinct()
    )
    now = timezone.now()
    for system in BackOfficeSystem.objects.filter(enabled=True, sync_every_seconds__gt=0):
        for stream in streams_in_order(system):
            if (system.pk, stream) in partitioned:
                continue
            last = SyncRun.objects.filter(system=system, stream=stream).exclude(kind=SyncRun.Kind.PUSH).first()
            if last is None or last.started_at <= now - timedelta(seconds=system.sync_every_seconds):
                sync_stream_task.delay(system.pk, stream)
                started.append(f"{system.code}/{stream}")
    return started
