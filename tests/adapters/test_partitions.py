"""Partitioned pulls: a stream split into ranges, each a job of its own, against the simulator over HTTP."""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from adapters.builtin.simulated import CrmAdapter
from adapters.models import SyncCursor, SyncPartition, SyncRun
from adapters.partitions import (
    PartitionBusy,
    partition_claim,
    partition_pull,
    partitions_due,
    partitions_plan,
    system_partitions_plan,
)
from adapters.sync import sync_stream
from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct
from tests.e2e.conftest import CeleryWorker, _reset_pool
from tests.fixtures.simulator import API_KEY

CUSTOMERS = 200  # the simulator fixture's size


def pull_all(partitions) -> list[SyncRun]:
    """Each partition claimed and pulled in turn, as one worker would."""
    return [partition_pull(partition_claim(partition.pk)) for partition in partitions]


def crm_links() -> list[str]:
    return list(CustomerLink.objects.filter(system="crm").values_list("external_id", flat=True))


@pytest.mark.django_db(transaction=True)
class TestSource:
    def test_the_ranges_hold_every_record_of_the_stream_once(self, systems, simulator):
        adapter = CrmAdapter(systems["crm"])
        parts = adapter.partitions("customers", 3)
        assert [(p.cursor, p.until) for p in parts] == [("b0", "b66"), ("b66", "b133"), ("b133", None)]
        seen = []
        for part in parts[:-1]:
            cursor = part.cursor
            while True:
                page = adapter.fetch_page("customers", cursor, 40, until=part.until)
                seen += [r["CUST_NO"] for r in page.records]
                cursor = page.next_cursor
                if not page.has_more:
                    break
            assert cursor == part.until
        cursor = parts[-1].cursor
        while True:  # the last range goes on to the end, as a pull of the whole stream does
            page = adapter.fetch_page("customers", cursor, 40)
            seen += [r["CUST_NO"] for r in page.records]
            cursor = page.next_cursor
            if not page.has_more:
                break
        adapter.close()
        assert seen == [r["CUST_NO"] for r in simulator.records("crm", "customers")]

    def test_a_usage_feed_is_one_range_and_a_bad_end_is_refused(self, systems):
        from adapters.builtin.simulated import MobileAdapter
        from adapters.contracts import SourceUnavailable

        adapter = MobileAdapter(systems["mobile"])
        assert [(p.cursor, p.until) for p in adapter.partitions("usage", 4)] == [(None, None)]
        with pytest.raises(SourceUnavailable):  # the simulator answers 400: beyond the baseline
            adapter.fetch_page("subscriptions", "b10", 5, until="b999999")
        adapter.close()


@pytest.mark.django_db(transaction=True)
class TestPlan:
    def test_a_stream_from_its_start_is_split_its_last_range_being_the_stream_cursor(self, systems):
        parts = partitions_plan(systems["crm"], "customers", 3)
        assert [(p.number, p.start, p.until, p.cursor) for p in parts] == [
            (0, "b0", "b66", "b0"),
            (1, "b66", "b133", "b66"),
            (2, "b133", "", "b133"),
        ]
        assert SyncCursor.objects.get(system=systems["crm"], stream="customers").cursor == "b133"
        # A plan under way is taken up where it stands, not made again.
        assert [p.pk for p in partitions_plan(systems["crm"], "customers", 5)] == [p.pk for p in parts]

    def test_a_stream_pulled_before_is_one_partition_from_its_cursor(self, systems):
        sync_stream(systems["crm"], "customers", max_pages=1)
        (only,) = partitions_plan(systems["crm"], "customers", 4)
        assert (only.is_tail, only.start) == (True, "b50")
        assert SyncCursor.objects.get(system=systems["crm"], stream="customers").cursor == "b50"

    def test_catalogs_and_usage_feeds_are_not_split(self, systems):
        assert len(partitions_plan(systems["partner"], "offerings", 4)) == 1
        assert len(partitions_plan(systems["mobile"], "usage", 4)) == 1
        plan = system_partitions_plan(systems["mobile"], 2)
        assert [(p.stream, p.number) for p in plan] == [
            ("subscriptions", 0),
            ("subscriptions", 1),
            ("iot", 0),
            ("iot", 1),
            ("usage", 0),
        ]


@pytest.mark.django_db(transaction=True)
class TestPartitionedPull:
    def test_every_record_is_imported_once_and_the_stream_goes_on_from_the_tail(self, systems, simulator):
        runs = pull_all(partitions_plan(systems["crm"], "customers", 3))
        assert [r.status for r in runs] == ["succeeded"] * 3
        assert sum(r.fetched for r in runs) == sum(r.created for r in runs) == CUSTOMERS
        assert sorted(crm_links()) == sorted({*crm_links()}) and len(crm_links()) == CUSTOMERS
        assert Customer.objects.count() == BillingAccount.objects.count() == CUSTOMERS
        assert not SyncPartition.objects.filter(finished_at__isnull=True).exists()
        assert SyncCursor.objects.get(system=systems["crm"], stream="customers").cursor == "c0"
        simulator.control("changes", {"system": "crm", "count": 3})
        assert sync_stream(systems["crm"], "customers").fetched == 3  # the changes since, nothing else

    def test_products_of_customers_not_imported_yet_link_like_a_whole_pull(self, systems, simulator):
        partitions_plan(systems["mobile"], "subscriptions", 3)  # before the CRM: holders make customers
        partitions_plan(systems["crm"], "customers", 2)
        runs = pull_all(SyncPartition.objects.order_by("pk"))
        assert all(r.status == "succeeded" for r in runs)
        subscriptions = simulator.records("mobile", "subscriptions")
        assert HeldProduct.objects.filter(system="mobile").count() == len(subscriptions)
        assert Customer.objects.count() == CUSTOMERS  # each holder found its CRM customer: none made twice

    def test_a_crashed_partition_resumes_from_its_cursor(self, systems, monkeypatch):
        from adapters import sync

        first, second = partitions_plan(systems["crm"], "customers", 2)  # 100 records each: 2 pages
        written, calls = sync._write_page, []

        def dies(*args):
            calls.append(1)
            if len(calls) == 2:
                raise SystemExit("killed")
            written(*args)

        claimed = partition_claim(first.pk)
        with monkeypatch.context() as patch:
            patch.setattr(sync, "_write_page", dies)
            with pytest.raises(SystemExit):
                partition_pull(claimed)
        first.refresh_from_db()
        assert (first.cursor, first.finished_at) == ("b50", None)
        assert len(crm_links()) == 50
        # Its worker died: the lease runs out, and the job sent again takes it up from its cursor.
        SyncPartition.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
        again = partition_pull(partition_claim(first.pk))
        assert (again.status, again.fetched, again.created) == ("succeeded", 50, 50)
        pull_all([second])
        assert sorted(crm_links()) == sorted({*crm_links()}) and len(crm_links()) == CUSTOMERS

    def test_a_job_delivered_twice_imports_nothing_twice(self, systems):
        (first, *_) = partitions_plan(systems["crm"], "customers", 2)
        claimed = partition_claim(first.pk)
        with pytest.raises(PartitionBusy) as busy:  # the copy, while the first holds it
            partition_claim(first.pk)
        assert 0 < busy.value.retry_in <= 120
        partition_pull(claimed)
        assert partition_claim(first.pk) is None  # the copy, after: finished
        assert SyncRun.objects.filter(system=systems["crm"], stream="customers").count() == 1
        assert len(crm_links()) == 100

    def test_a_job_whose_lease_ran_out_stops_and_writes_nothing_more(self, systems):
        (first, *_) = partitions_plan(systems["crm"], "customers", 2)
        claimed = partition_claim(first.pk)
        # Another job took it over meanwhile (this one's lease had run out): the next page is refused.
        SyncPartition.objects.filter(pk=first.pk).update(owner="another-job")
        run = partition_pull(claimed)
        assert (run.status, run.fetched) == ("failed", 0)
        assert "held by another job" in run.error
        assert crm_links() == []

    def test_usage_waits_for_the_products_it_refers_to(self, systems):
        (products, *_) = partitions_plan(systems["mobile"], "subscriptions", 2)
        (usage,) = partitions_plan(systems["mobile"], "usage", 2)
        with pytest.raises(PartitionBusy):
            partition_claim(usage.pk)
        assert partition_claim(products.pk) is not None

    def test_beat_sends_again_what_nobody_holds(self, systems, settings):
        settings.SYNC_PARTITION_LEASE_SECONDS = 0  # every plan is older than a lease
        first, second = partitions_plan(systems["crm"], "customers", 2)
        partition_claim(first.pk)
        SyncPartition.objects.filter(pk=first.pk).update(lease_until=timezone.now() + timedelta(minutes=1))
        assert [p.pk for p in partitions_due()] == [second.pk]


@pytest.mark.django_db(transaction=True)
class TestScheduleAndCommand:
    def test_beat_sends_the_partitions_jobs_instead_of_a_pull_of_their_stream(self, systems, settings, monkeypatch):
        from adapters import tasks
        from adapters.models import BackOfficeSystem

        settings.SYNC_PARTITION_LEASE_SECONDS = 0
        BackOfficeSystem.objects.exclude(code="crm").update(enabled=False)
        parts = partitions_plan(systems["crm"], "customers", 2)
        sent = []
        monkeypatch.setattr(tasks.sync_partition_task, "delay", lambda pk: sent.append(("partition", pk)))
        monkeypatch.setattr(tasks.sync_stream_task, "delay", lambda pk, stream: sent.append(("stream", stream)))
        tasks.sync_due_systems()
        assert sent == [("partition", p.pk) for p in parts] + [("stream", "products")]

    def test_manage_py_sync_pulls_partitions_in_process(self, systems):
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("sync", "crm", "--stream", "customers", "--partitions", "3", stdout=out)
        assert [line.split(":")[0] for line in out.getvalue().splitlines()] == [
            "crm/customers#0",
            "crm/customers#1",
            "crm/customers#2",
        ]
        assert len(crm_links()) == len({*crm_links()}) == CUSTOMERS
        out = StringIO()
        call_command("sync", "crm", "--stream", "customers", "--partitions", "3", stdout=out)
        assert "fetched 0" in out.getvalue()  # pulled before: one partition, the stream's own, from its cursor

    def test_manage_py_sync_refuses_enqueue_without_partitions_and_an_unknown_stream(self, systems):
        from django.core.management import CommandError, call_command

        with pytest.raises(CommandError, match="--partitions"):
            call_command("sync", "crm", "--enqueue")
        with pytest.raises(CommandError, match="no stream"):
            call_command("sync", "crm", "--stream", "nope", "--partitions", "2")
        assert not SyncPartition.objects.exists()


class Worker(CeleryWorker):
    """A Celery worker process with one thread and no beat (nothing but the jobs sent to it)."""

    def start(self) -> "Worker":
        self.starts += 1
        log = open(self.tmp_path / f"worker-{self.starts}.log", "w")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "overlay", "worker", "--pool", "threads", "--concurrency", "1"),
                *("--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("--hostname", f"{self.tmp_path.parent.name}-{self.tmp_path.name}@%h"),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self


@pytest.fixture
def two_workers(transactional_db, tmp_path, settings):
    from django.db import connection

    from overlay.celery import app

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.fail("REDIS_URL is not set: run the suite with `make test` (it starts Redis).")
    import redis

    redis.Redis.from_url(url).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "overlay.settings",
        "SECRET_KEY": "partition-worker",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": url,
        "LOG_LEVEL": "WARNING",
        "LOG_LEVELS": "celery=INFO",  # the jobs' "succeeded" lines, which the test reads
        "SIMULATOR_API_KEY": API_KEY,
    }
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    _reset_pool(app)
    app.conf.update(broker_url=url, task_always_eager=False)
    workers = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        workers.append(Worker(tmp_path / name, env))
    yield workers
    for worker in workers:
        worker.stop()
    app.conf.update(**saved)
    _reset_pool(app)


@pytest.mark.django_db(transaction=True)
def test_two_workers_import_every_record_exactly_once_each_job_sent_twice(systems, simulator, two_workers):
    from adapters.tasks import sync_partition_task

    plans = [*partitions_plan(systems["crm"], "customers", 4), *partitions_plan(systems["mobile"], "subscriptions", 4)]
    assert len(plans) == 8
    for partition in plans:
        sync_partition_task.delay(partition.pk)
        sync_partition_task.delay(partition.pk)  # as if redelivered
    for worker in two_workers:
        worker.start()
    deadline = time.monotonic() + 120
    while SyncPartition.objects.filter(finished_at__isnull=True).exists():
        if time.monotonic() > deadline:
            logs = "\n".join(w.log() for w in two_workers)
            pytest.fail(f"partitions left unfinished: {_partitions_and_sessions()}\n{logs}")
        time.sleep(0.2)
    crm = SyncRun.objects.filter(system=systems["crm"], stream="customers")
    subscriptions = SyncRun.objects.filter(system=systems["mobile"], stream="subscriptions")
    expected = len(simulator.records("mobile", "subscriptions"))
    assert sum(r.fetched for r in crm) == sum(r.created for r in crm) == CUSTOMERS
    assert sum(r.fetched for r in subscriptions) == sum(r.created for r in subscriptions) == expected
    assert len(crm_links()) == len({*crm_links()}) == CUSTOMERS
    assert HeldProduct.objects.filter(system="mobile").count() == expected
    assert Customer.objects.count() == CUSTOMERS
    assert not SyncRun.objects.filter(status="failed").exists()
    for worker in two_workers:  # both took jobs
        assert re.search(r"sync_partition_task\[[-0-9a-f]+\] succeeded", worker.log()), worker.log()


def _partitions_and_sessions() -> str:
    """What a stuck test needs to say: the partitions, and what every other database session does."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, wait_event_type, left(query, 80) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        sessions = cursor.fetchall()
    rows = SyncPartition.objects.values_list("number", "cursor", "owner", "lease_until", "finished_at")
    return f"{list(rows)} {sessions}"
