"""Partitioned pulls: a stream split into ranges, each pulled as a job of its own by any worker.

Where one process no longer keeps up, a stream pulled from its start (a first load, a full
re-pull) is split by its source into ranges (``PartitionedSource.partitions``): each range but
the last is a ``SyncPartition`` with its own cursor; the last one is the stream's own cursor,
which goes on into the changes made since. Each partition is a Celery job
(``adapters.tasks.sync_partition_task``); any number of workers run them at once. The sync
engine's guarantees hold per partition: a page and the partition's cursor after it commit
together (a crash resumes after the last page written), one job at a time holds a partition
(a lease renewed with every page; a copy of the job delivered twice finds it held or
finished), and upserts are idempotent by (system, record id). Usage feeds are not split, and a
system's usage partitions wait until its other partitions are finished (usage refers to the
products they import). Celery beat sends again the jobs of partitions nobody holds
(``partitions_due``): a job lost with its worker is picked up again.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from adapters.contracts import Partition, PartitionedSource
from adapters.models import BackOfficeSystem, SyncCursor, SyncPartition, SyncRun
from adapters.registry import adapter_class, adapter_for
from adapters.sync import LINKS_CUSTOMERS, REFERS_TO_PRODUCTS, streams_in_order, sync_stream


class PartitionBusy(Exception):
    """Another job holds the partition (its lease runs for ``retry_in`` seconds more), or it must wait for
    other partitions of its system: try again later."""

    def __init__(self, message: str, retry_in: float):
        super().__init__(message)
        self.retry_in = retry_in


def partitions_plan(system: BackOfficeSystem, stream: str, count: int, *, full: bool = False) -> list[SyncPartition]:
    """The partitions of a stream to pull: those of a plan still under way, or a new plan of up to ``count``
    ranges. Only a stream pulled from its start (never pulled yet, or ``full``) whose records link customers
    is split, when its source can; otherwise the plan is one partition, the stream's own pull."""
    kind = adapter_class(system.adapter).streams[stream]
    under_way = list(SyncPartition.objects.filter(system=system, stream=stream, finished_at__isnull=True))
    if under_way:
        return under_way
    cursor_row, _ = SyncCursor.objects.get_or_create(system=system, stream=stream)
    from_start = full or not cursor_row.cursor
    ranges = [Partition(None if full else (cursor_row.cursor or None), None)]
    if from_start and count > 1 and kind in LINKS_CUSTOMERS:
        adapter = adapter_for(system)
        try:
            if isinstance(adapter, PartitionedSource):
                ranges = adapter.partitions(stream, count) or ranges
        finally:
            adapter.close()
    if ranges[-1].until is not None:
        raise ValueError(f"{system.code}/{stream}: the last partition must have no end")
    with transaction.atomic():
        locked = SyncCursor.objects.select_for_update().get(pk=cursor_row.pk)
        if SyncPartition.objects.filter(system=system, stream=stream, finished_at__isnull=True).exists():
            return list(SyncPartition.objects.filter(system=system, stream=stream, finished_at__isnull=True))
        if (locked.cursor or None) != (cursor_row.cursor or None):
            ranges = [Partition(locked.cursor or None, None)]  # pulled meanwhile: no longer from the start
        SyncPartition.objects.filter(system=system, stream=stream).delete()  # an earlier plan, finished
        # The last range is the stream's own pull: its cursor starts where that range does.
        locked.cursor = ranges[-1].cursor or ""
        locked.save(update_fields=["cursor", "updated_at"])
        return SyncPartition.objects.bulk_create(
            SyncPartition(
                system=system,
                stream=stream,
                number=number,
                start=part.cursor or "",
                until=part.until or "",
                cursor=part.cursor or "",
            )
            for number, part in enumerate(ranges)
        )


def system_partitions_plan(system: BackOfficeSystem, count: int, *, full: bool = False) -> list[SyncPartition]:
    """Plan every stream of a system (``partitions_plan``), usage last."""
    return [part for stream in streams_in_order(system) for part in partitions_plan(system, stream, count, full=full)]


def partition_claim(partition_id: int) -> SyncPartition | None:
    """Hold a partition for this job (a lease of ``SYNC_PARTITION_LEASE_SECONDS``, renewed with each page):
    it, with a new ``owner``; None if it is finished (or gone); PartitionBusy if another job holds it, or
    if it is a usage partition whose system still has other partitions to finish."""
    partition = SyncPartition.objects.select_related("system").filter(pk=partition_id).first()
    if partition is None or partition.finished_at is not None:
        return None
    if adapter_class(partition.system.adapter).streams[partition.stream] in REFERS_TO_PRODUCTS:
        before = SyncPartition.objects.filter(system=partition.system, finished_at__isnull=True).exclude(
            stream=partition.stream
        )
        if before.exists():
            raise PartitionBusy(f"{partition} waits for the products it refers to", retry_in=1)
    now, owner = timezone.now(), uuid.uuid4().hex
    lease = timedelta(seconds=settings.SYNC_PARTITION_LEASE_SECONDS)
    claimed = (
        SyncPartition.objects.filter(pk=partition_id, finished_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(owner=owner, lease_until=now + lease)
    )
    if not claimed:
        current = SyncPartition.objects.filter(pk=partition_id).first()
        if current is None or current.finished_at is not None:
            return None
        retry_in = (current.lease_until - now).total_seconds() if current.lease_until else 0
        raise PartitionBusy(f"{partition} is held by another job", retry_in=max(retry_in, 0.5))
    partition.owner, partition.lease_until = owner, now + lease
    return partition


def partition_pull(partition: SyncPartition) -> SyncRun:
    """Pull a partition this job holds (``partition_claim``) to its end; then let go of it, so that if it
    stopped short (the source failed), the next job takes it up from its cursor at once."""
    try:
        return sync_stream(partition.system, partition.stream, partition=partition)
    finally:
        SyncPartition.objects.filter(pk=partition.pk, owner=partition.owner, finished_at__isnull=True).update(
            lease_until=None
        )


def partitions_due() -> list[SyncPartition]:
    """Unfinished partitions nobody holds (let go of, or their job lost with its worker); those planned
    less than a lease ago are left to the jobs sent with them."""
    now = timezone.now()
    lease = timedelta(seconds=settings.SYNC_PARTITION_LEASE_SECONDS)
    return list(
        SyncPartition.objects.select_related("system")
        .filter(finished_at__isnull=True, system__enabled=True, created_at__lt=now - lease)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("pk")
    )
