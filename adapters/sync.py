"""The sync engine: pull changed records page by page since a stored cursor, map, upsert, quarantine.

A page is linked (its records matched to converged customers) on one connection
while the page before is written on another: its new customers and links, what
hangs off them (accounts, held products), its quarantined records and the cursor
after it, in one transaction. The writer holds the linking lock meanwhile, so the
linker can count what is linked but not written yet as written. A crash resumes
after the last page written. Nothing is lost, nothing is written twice. Memory
holds a few pages at a time, whatever the size of the system. A record that
cannot be mapped is quarantined with its payload and error; the rest of the page
goes on. Writes of one stream (a pull's pages, pushes, retries) take
its cursor row's lock, so none of them adds a row another is about to COPY.

Usage streams make no customers: they are linked to the held products already imported,
without the linking lock, and a record for a product (or metric) Overlay does not know yet
is quarantined like one that cannot be mapped, to be retried once it does.
"""

import gc
import logging
import queue
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from adapters.contracts import MappingError, SourceUnavailable
from adapters.models import BackOfficeSystem, QuarantinedRecord, SyncCursor, SyncPartition, SyncRun
from adapters.registry import adapter_class, adapter_for
from catalog.selectors import offerings_by_tariff_code
from catalog.services import offerings_import
from customers.imports import ImportPlan, InFlight, held_products_identify, held_products_link, parties_link
from customers.linking import (
    linking_lock_acquire,
    linking_lock_for_transaction,
    linking_lock_release,
    linking_lock_wanted,
)
from overlay.bulk import Counts
from usage.imports import usage_link
from usage.rating import rate_pending, rate_periods

logger = logging.getLogger(__name__)


def _offerings_link(system: str, records, in_flight=None) -> ImportPlan:
    counts = offerings_import(system, records)  # a catalog is small: written as it is linked
    # Products imported before the tariff table that prices them now know what they are.
    held_products_identify(offerings_by_tariff_code(system, [r.external_id for r in records]))
    return ImportPlan(counts)


def _held_products_link(system: str, records, in_flight=None) -> ImportPlan:
    """Held products, each with the offering its tariff code names in the catalog."""
    return held_products_link(system, records, in_flight, offerings=offerings_by_tariff_code)


# Linking of a page by the kind of record a stream holds (see customers.imports.ImportPlan). A plan may
# carry ``failures``, [(position among the records given, id, why)]: records it could not link, quarantined.
LINKERS = {
    "party": parties_link,
    "held_product": _held_products_link,
    "offering": _offerings_link,
    "usage": usage_link,
}
# The kinds whose linking makes customers, under the linking lock.
LINKS_CUSTOMERS = {"party", "held_product"}
# Kinds that refer to what the others import: a system's streams of these are pulled last.
REFERS_TO_PRODUCTS = {"usage"}
# How long a pull keeps the linking lock, at least, before giving way to another pull (a partition of the
# same stream on another worker) waiting for it: giving way every page made pulls take turns page by page,
# each page linked and then written, one after the other, instead of both at once.
LINKING_SLICE_SECONDS = 0.5
# What a sloppy payload can raise inside a mapping besides MappingError.
MAPPING_FAILURES = (MappingError, KeyError, TypeError, ValueError, AttributeError)


class _SparingCollector:
    """Collect garbage less often while syncing (a context manager; nestable, and shared by threads).

    A sync allocates millions of short-lived objects (records, rows, tuples) and makes hardly
    any cycles, yet with the default thresholds the collector kept walking everything the
    process had loaded: an eighth of a sync's time. Meanwhile what existed before is frozen
    (modules and settings; never walked) and collections come far less often. The first to
    enter sets this up, the last to leave restores it. If something else froze objects before,
    the freeze is left to it.
    """

    THRESHOLDS = (10_000, 20, 100)

    def __init__(self):
        self.guard = threading.Lock()
        self.users = 0
        self.saved: tuple[int, int, int] | None = None
        self.froze = False

    def __enter__(self):
        with self.guard:
            if self.users == 0:
                self.saved = gc.get_threshold()
                self.froze = gc.get_freeze_count() == 0
                if self.froze:
                    gc.freeze()
                gc.set_threshold(*self.THRESHOLDS)
            self.users += 1

    def __exit__(self, *exc_info):
        with self.guard:
            self.users -= 1
            if self.users == 0:
                gc.set_threshold(*self.saved)
                if self.froze:
                    gc.unfreeze()


sparing_collector = _SparingCollector()


class SyncInterrupted(Exception):
    """Another sync of the same stream moved the cursor: this one stops."""


def storable(value):
    """PostgreSQL's JSON cannot hold NUL characters; a quarantined payload must be storable whatever it holds."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def map_records(adapter, stream: str, raws: Sequence[dict]) -> tuple[list, list[tuple[str, dict, str]], list]:
    """Map one page: (mapped records, [(external id, storable payload, error)] for what cannot be mapped,
    the payload each mapped record came from)."""
    mapped, failures, sources = [], [], []
    for raw in raws:
        try:
            mapped.append(adapter.map_record(stream, raw))
            sources.append(raw)
        except MAPPING_FAILURES as error:
            failures.append(_failure(adapter.record_key(stream, raw), raw, f"{type(error).__name__}: {error}"))
    return mapped, failures, sources


def _failure(key: str, raw, error: str) -> tuple[str, dict, str]:
    return key[:100], storable(raw if isinstance(raw, dict) else {"value": raw}), error[:2000]


def _link(link, system_code: str, mapped: list, sources: list, failures: list, in_flight=None) -> ImportPlan:
    """Link a page's mapped records; what the linker could not link joins ``failures``, with its payload."""
    if not mapped:
        return ImportPlan(Counts())
    plan = link(system_code, mapped, in_flight)
    failures.extend(_failure(key, sources[position], error) for position, key, error in getattr(plan, "failures", ()))
    return plan


def apply_records(
    system: BackOfficeSystem, adapter, stream: str, raws: Sequence[dict], run: SyncRun
) -> tuple[Counts, int]:
    """Map and import records out of a pull (pushed, retried), linking and storing inside the caller's
    transaction; quarantine what cannot be mapped. Holds the stream's cursor lock meanwhile, as a pull's
    page writes do, and the linking lock before it, as a pull's writer does (one order: no deadlock)."""
    if adapter.streams[stream] in LINKS_CUSTOMERS:
        linking_lock_for_transaction()
    cursor_row, _ = SyncCursor.objects.get_or_create(system=system, stream=stream)
    SyncCursor.objects.select_for_update().get(pk=cursor_row.pk)
    mapped, failures, sources = map_records(adapter, stream, raws)
    plan = _link(LINKERS[adapter.streams[stream]], system.code, mapped, sources, failures)
    _quarantine(system, stream, failures, run)
    plan.store()
    if adapter.streams[stream] in REFERS_TO_PRODUCTS and plan.counts.created:
        # Pushed usage is rated at once: its periods' figures and alerts are as fresh as the push.
        rate_periods({(product, start) for product, _, start in plan.periods})
    return plan.counts, len(failures)


def _add(run: SyncRun, counts: Counts, fetched: int, quarantined: int) -> None:
    run.pages += 1
    run.fetched += fetched
    run.created += counts.created
    run.updated += counts.updated
    run.unchanged += counts.unchanged
    run.quarantined += quarantined


class _Prefetch:
    """Fetches and maps the following pages in a thread while the current one is written.

    The source works (and the network carries) while PostgreSQL writes; at most
    ``AHEAD`` pages wait, so memory stays bounded whatever the stream's size.
    """

    AHEAD = 1

    def __init__(self, adapter, system: BackOfficeSystem, stream: str, cursor, max_pages: int | None, until=None):
        self.pages: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._run,
            args=(adapter, system, stream, cursor, max_pages, {"until": until} if until else {}),
            name=f"sync-fetch-{system.code}-{stream}",
            daemon=True,
        )
        self.thread.start()

    def _run(self, adapter, system, stream, cursor, max_pages, bounds):
        fetched = 0
        try:
            while not self.stopped.is_set() and (max_pages is None or fetched < max_pages):
                page = adapter.fetch_page(stream, cursor, system.page_size, **bounds)
                fetched += 1
                self._put((cursor, page, *map_records(adapter, stream, page.records)))
                cursor = page.next_cursor
                if not page.has_more:
                    break
        except Exception as error:  # handed to the caller, which decides
            self._put(error)
        self._put(None)

    def _put(self, item) -> None:
        while not self.stopped.is_set():
            try:
                self.pages.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def __iter__(self):
        while (item := self.pages.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


class _PageWriter:
    """Writes pages (customers and links, accounts or products, quarantined records, the cursor,
    the run's counts), each in one transaction, in order, in a thread with its own connection,
    while the caller links the pages after them.

    PostgreSQL writes page k while Python links page k+1, so the two do not wait for each
    other. The linker sees what is linked but not written yet through ``in_flight``. For
    that to hold, nobody else may link meanwhile: the writer's connection holds the
    linking lock for its session (``linking``), and gives way between pages when someone
    waits for it (``give_way``). A page and the cursor after it commit together: a crash
    resumes after the last page written, and nothing is lost or doubled.
    """

    def __init__(
        self,
        system: BackOfficeSystem,
        stream: str,
        cursor_row: SyncCursor,
        run: SyncRun,
        full: bool,
        linking: bool,
        partition: SyncPartition | None = None,
    ):
        self.system, self.stream, self.cursor_row, self.run, self.full = system, stream, cursor_row, run, full
        self.linking, self.partition = linking, partition
        self.jobs: queue.Queue = queue.Queue(maxsize=1)
        self.pending: list[ImportPlan] = []
        self.guard = threading.Lock()
        self.error: BaseException | None = None
        self.ready = threading.Event()  # the lock is held (or the writer failed)
        self.held_since = time.monotonic()
        self.thread = threading.Thread(target=self._run, name=f"sync-write-{system.code}-{stream}", daemon=True)
        self.thread.start()

    def in_flight(self) -> InFlight:
        with self.guard:
            plans = list(self.pending)
        return InFlight(plans)

    def submit(self, cursor, page, plan: ImportPlan, failures) -> None:
        self.check()
        with self.guard:
            self.pending.append(plan)
        self.jobs.put((cursor, page, plan, failures))

    def held_for(self) -> float:
        """Seconds since the writer last took the linking lock."""
        return time.monotonic() - self.held_since

    def wait_ready(self) -> None:
        self._wait(self.ready)

    def give_way(self) -> None:
        """Once the pages submitted are written, let whoever waits for the linking lock have it, and
        take it back: the pages linked from here on see what they wrote."""
        done = threading.Event()
        self.jobs.put(done)
        self._wait(done)

    def _wait(self, event: threading.Event) -> None:
        while not event.wait(0.2):
            if not self.thread.is_alive():
                break
        self.check()

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Wait until every page submitted is written, or skipped after a failure (any number of times)."""
        if self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join()

    def finish(self) -> None:
        """Close, and raise what the writer failed with, if anything."""
        self.close()
        self.check()

    def _run(self) -> None:
        try:
            try:
                if self.linking:
                    linking_lock_acquire()
                    self.held_since = time.monotonic()
            except BaseException as error:  # handed to the caller, which stops
                self.error = error
            self.ready.set()
            while (job := self.jobs.get()) is not None:
                if isinstance(job, threading.Event):  # give way
                    try:
                        if self.error is None:
                            linking_lock_release()
                            linking_lock_acquire()
                            self.held_since = time.monotonic()
                    except BaseException as error:
                        self.error = error
                    job.set()
                    continue
                try:
                    if self.error is None:
                        self._write(*job)
                except BaseException as error:  # handed to the caller, which stops
                    self.error = error
                finally:
                    with self.guard:
                        self.pending.remove(job[2])
        finally:
            connection.close()  # which also lets go of the linking lock

    def _write(self, cursor, page, plan: ImportPlan, failures) -> None:
        _write_page(
            self.system, self.stream, self.cursor_row, self.run, self.full, cursor, page, plan, failures, self.partition
        )
        self.full = False  # from here on the cursor is ours


def _write_page(
    system, stream, cursor_row, run, full, cursor, page, plan: ImportPlan, failures, partition=None
) -> None:
    """What a page writes, with the cursor after it, in one transaction. A partition's page moves the
    partition's cursor (its tail's: the stream's) and renews the partition's lease."""
    with transaction.atomic():
        _relaxed_commit()
        locked = SyncCursor.objects.select_for_update().get(pk=cursor_row.pk)  # one writer of a stream at a time
        held = _partition_hold(partition, done=not page.has_more) if partition is not None else None
        place = held if held is not None and not held.is_tail else locked
        if not full and (place.cursor or None) != cursor:
            raise SyncInterrupted(f"another sync of {system.code}/{stream} moved the cursor")
        _quarantine(system, stream, failures, run)
        plan.store()
        place.cursor = page.next_cursor
        if held is not None:
            held.save(
                update_fields=["cursor", "lease_until", "finished_at"]
                if place is held
                else ["lease_until", "finished_at"]
            )
        if place is locked:
            locked.save(update_fields=["cursor", "updated_at"])
        _add(run, plan.counts, len(page.records), len(failures))
        run.save()


def _partition_hold(partition: SyncPartition, *, done: bool) -> SyncPartition:
    """The partition's row, locked, its lease renewed (and finished when ``done``); SyncInterrupted
    if another job holds it now (this one's lease ran out) or it is finished."""
    held = SyncPartition.objects.select_for_update().get(pk=partition.pk)
    if held.owner != partition.owner or held.finished_at is not None:
        raise SyncInterrupted(f"{partition} is held by another job")
    now = timezone.now()
    held.lease_until = now + timedelta(seconds=settings.SYNC_PARTITION_LEASE_SECONDS)
    if done:
        held.finished_at = now
    return held


def _quarantine(system: BackOfficeSystem, stream: str, failures, run: SyncRun) -> None:
    QuarantinedRecord.objects.bulk_create(
        QuarantinedRecord(system=system, stream=stream, external_id=key, payload=payload, error=error, run=run)
        for key, payload, error in failures
    )


def sync_stream(
    system: BackOfficeSystem,
    stream: str,
    *,
    full: bool = False,
    max_pages: int | None = None,
    partition: SyncPartition | None = None,
) -> SyncRun:
    """Pull one stream of a system from its cursor (from the start with ``full``) until it has no more;
    or one ``partition`` of it that the caller holds (``adapters.partitions``), to its end."""
    with sparing_collector:
        return _pull(system, stream, full=full, max_pages=max_pages, partition=partition)


def _pull(
    system: BackOfficeSystem, stream: str, *, full: bool, max_pages: int | None, partition: SyncPartition | None = None
) -> SyncRun:
    """``sync_stream``'s work. Three things run at once: the next page is fetched and mapped,
    the current one is linked, the one before is written (``_PageWriter``). Called inside a
    transaction (a test's, or a caller's), each page is linked and written on that connection instead.
    A ``partition`` (claimed by the caller) is pulled from its cursor to its end.
    """
    run = SyncRun.objects.create(system=system, stream=stream, kind=SyncRun.Kind.FULL if full else SyncRun.Kind.PULL)
    cursor_row, _ = SyncCursor.objects.get_or_create(system=system, stream=stream)
    cursor = None if full else (cursor_row.cursor or None)
    until = None
    if partition is not None and not partition.is_tail:
        cursor, until = partition.cursor or None, partition.until
    adapter = adapter_for(system)
    link = LINKERS[adapter.streams[stream]]
    pages = _Prefetch(adapter, system, stream, cursor, max_pages, until)
    linking = adapter.streams[stream] in LINKS_CUSTOMERS
    writer = (
        None if connection.in_atomic_block else _PageWriter(system, stream, cursor_row, run, full, linking, partition)
    )
    try:
        if writer is not None:
            writer.wait_ready()
        for cursor, page, mapped, failures, sources in pages:
            if writer is None:
                with transaction.atomic():
                    plan = _link(link, system.code, mapped, sources, failures)
                    _write_page(system, stream, cursor_row, run, full, cursor, page, plan, failures, partition)
                full = False
                continue
            writer.check()
            if linking and writer.held_for() >= LINKING_SLICE_SECONDS and linking_lock_wanted():
                writer.give_way()
            with transaction.atomic():  # parties and products are only read here; a catalog is written
                _relaxed_commit()
                in_flight = writer.in_flight() if linking else None  # only customers' linking needs it
                plan = _link(link, system.code, mapped, sources, failures, in_flight)
            writer.submit(cursor, page, plan, failures)
        if writer is not None:
            writer.finish()
        if adapter.streams[stream] in REFERS_TO_PRODUCTS:
            rate_pending()  # what the pull brought is rated before the run says it succeeded
        run.status = SyncRun.Status.SUCCEEDED
    except (SourceUnavailable, SyncInterrupted) as error:
        logger.warning("sync %s/%s failed: %s", system.code, stream, error)
        run.status, run.error = SyncRun.Status.FAILED, str(error)
    except BaseException as error:  # a bug or a kill: the run says so, and the caller still hears of it
        logger.exception("sync %s/%s broke off", system.code, stream)
        run.status, run.error = SyncRun.Status.FAILED, f"{type(error).__name__}: {error}"[:2000]
        raise
    finally:
        pages.stop()
        if writer is not None:
            # Pages already linked are written whatever stopped the run.
            writer.close()
        adapter.close()
        run.finished_at = timezone.now()
        run.save()
    return run


def _relaxed_commit() -> None:
    """A page's commit need not wait for the disk: if PostgreSQL itself crashed right after, the page
    and the cursor that covers it would be lost together and pulled again - never half of it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def streams_in_order(system: BackOfficeSystem) -> list[str]:
    """A system's streams in the order to pull them: usage after the products it is for."""
    streams = adapter_class(system.adapter).streams
    return sorted(streams, key=lambda stream: streams[stream] in REFERS_TO_PRODUCTS)


def sync_system(system: BackOfficeSystem, *, full: bool = False) -> list[SyncRun]:
    """Pull every stream of a system (usage last)."""
    return [sync_stream(system, stream, full=full) for stream in streams_in_order(system)]


def apply_pushed(system: BackOfficeSystem, stream: str, raws: Sequence[dict]) -> SyncRun:
    """Apply records a system pushed (same mapping, quarantine and idempotent upserts as pulls)."""
    run = SyncRun.objects.create(system=system, stream=stream, kind=SyncRun.Kind.PUSH)
    adapter = adapter_for(system)
    try:
        with transaction.atomic():
            counts, quarantined = apply_records(system, adapter, stream, raws, run)
            _add(run, counts, len(raws), quarantined)
        run.status = SyncRun.Status.SUCCEEDED
    finally:
        adapter.close()
        run.finished_at = timezone.now()
        run.save()
    return run


def quarantine_retry(record: QuarantinedRecord) -> bool:
    """Map a quarantined record again (after the mapping was fixed); True if it is now imported."""
    adapter = adapter_for(record.system)
    run = SyncRun.objects.create(system=record.system, stream=record.stream, kind=SyncRun.Kind.RETRY)
    try:
        with transaction.atomic():
            counts, quarantined = apply_records(record.system, adapter, record.stream, [record.payload], run)
            _add(run, counts, 1, quarantined)
            if not quarantined:
                record.resolved_at = timezone.now()
                record.save(update_fields=["resolved_at"])
            else:
                # The new failure is the record of this attempt; this one stays the original.
                QuarantinedRecord.objects.filter(run=run).delete()
        run.status = SyncRun.Status.SUCCEEDED if not quarantined else SyncRun.Status.FAILED
        return not quarantined
    finally:
        adapter.close()
        run.finished_at = timezone.now()
        run.save()
