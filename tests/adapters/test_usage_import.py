"""Usage records through the sync engine, from the simulator over HTTP: imported once by their id
despite duplicates and retried pages, unknown products quarantined and imported on retry once held,
pushes, cursor-resumed pulls; and each system's shape mapped into UsageRecordIn."""

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from adapters.builtin.simulated import FixedAdapter, MobileAdapter, PartnerCatalogAdapter
from adapters.contracts import MappingError, UsageRecordIn
from adapters.models import QuarantinedRecord, SyncCursor
from adapters.sync import apply_pushed, quarantine_retry, sync_stream, sync_system
from customers.linking import linking_lock_acquire, linking_lock_release
from customers.models import HeldProduct
from tests.factories.usage import MetricFactory
from tests.fixtures.simulator import Simulator
from usage.models import UsageRecord

D = Decimal
METRICS = {
    "data": "MB",
    "voice": "minute",
    "sms": "SMS",
    "roaming_data": "MB",
    "vehicle_day": "vehicle-day",
    "tracker_uptime": "percent",
    "streaming_hours": "hour",
}
RECORD_ID = {"mobile": "cdrId", "fixed": "usage_id", "partner": "event_id"}
PRODUCT_REF = {"mobile": "subscriptionId", "fixed": "line_ref", "partner": "partner_subscription"}


@pytest.fixture
def metrics(db):
    return {code: MetricFactory(code=code, unit=unit) for code, unit in METRICS.items()}


def held(system: str) -> set[str]:
    return set(HeldProduct.objects.filter(system=system).values_list("external_id", flat=True))


def expected(records: list[dict], system: str) -> tuple[set[str], int]:
    """(the ids of the records for products held, how many records name a product nobody holds)."""
    products = held(system)
    known = {r[RECORD_ID[system]] for r in records if r[PRODUCT_REF[system]] in products}
    return known, sum(r[PRODUCT_REF[system]] not in products for r in records)


def imported(system: str) -> set[str]:
    return set(UsageRecord.objects.filter(system=system).values_list("external_id", flat=True))


def big_pages(system):
    """A whole mobile feed (17,000 records for 200 customers) in fewer requests."""
    system.page_size = 1000
    system.save()
    return system


def unresolved(system: str) -> list[QuarantinedRecord]:
    return list(QuarantinedRecord.objects.filter(system__code=system, stream="usage", resolved_at__isnull=True))


@pytest.mark.django_db(transaction=True)
class TestPull:
    def test_every_record_is_imported_once_despite_duplicates_and_a_retried_page(self, systems, simulator, metrics):
        sync_stream(systems["crm"], "customers")
        run = sync_system(big_pages(systems["mobile"]))[-1]  # subscriptions, fleets, then their usage
        feed = simulator.records("mobile", "usage")
        known, strangers = expected(feed, "mobile")
        assert len(feed) > len({r["cdrId"] for r in feed})  # duplicates among them
        assert (run.stream, run.status, run.fetched, run.created) == ("usage", "succeeded", len(feed), len(known))
        assert run.quarantined == strangers > 0
        assert imported("mobile") == known
        # Every page delivered again (a pull from the start) adds nothing.
        again = sync_stream(systems["mobile"], "usage", full=True)
        assert (again.fetched, again.created, again.quarantined) == (len(feed), 0, strangers)
        assert UsageRecord.objects.count() == len(known)
        record = UsageRecord.objects.select_related("product").get(system="mobile", external_id=feed[0]["cdrId"])
        assert record.product.external_id == feed[0]["subscriptionId"]

    def test_a_page_lost_in_a_crash_is_pulled_again_and_lands_once(self, systems, simulator, metrics, monkeypatch):
        from adapters import sync

        sync_stream(systems["fixed"], "lines")
        written, calls = sync._write_page, []

        def dies(*args):
            calls.append(1)
            if len(calls) == 3:
                raise SystemExit("killed")
            written(*args)

        with monkeypatch.context() as patch:
            patch.setattr(sync, "_write_page", dies)
            with pytest.raises(SystemExit):
                sync_stream(systems["fixed"], "usage")
        assert len(imported("fixed")) < 150  # pages 1 and 2 only
        assert sync_stream(systems["fixed"], "usage").status == "succeeded"
        known, _ = expected(simulator.records("fixed", "usage"), "fixed")
        assert imported("fixed") == known and UsageRecord.objects.count() == len(known)

    def test_a_cursor_resumed_pull_adds_only_new_records(self, systems, simulator, metrics):
        sync_stream(systems["fixed"], "lines")
        sync_stream(systems["fixed"], "usage")
        before = UsageRecord.objects.count()
        sent = simulator.control("changes", {"system": "fixed", "stream": "usage", "count": 5})["records"]
        run = sync_stream(systems["fixed"], "usage")
        known, strangers = expected(sent, "fixed")
        assert (run.fetched, run.created, run.quarantined) == (5, len(known), strangers)
        assert UsageRecord.objects.count() == before + len(known)
        assert sync_stream(systems["fixed"], "usage").fetched == 0

    def test_a_week_later_the_next_pull_gets_that_week_only(self, systems, simulator, metrics, tmp_path):
        """The same estate a week on (the anchor moved): the stored cursor resumes where it was."""
        sync_stream(systems["partner"], "subscriptions")
        sync_stream(systems["partner"], "usage")
        first = imported("partner")
        later = Simulator(tmp_path, customers=200, usage_until="2026-06-22")
        try:
            systems["partner"].base_url = later.url
            systems["partner"].save()
            run = sync_stream(systems["partner"], "usage")
            week = [r for r in later.records("partner", "usage") if r["logged"] >= "2026-06-15"]
            assert run.status == "succeeded" and run.fetched == len(week) > 0
            assert imported("partner") - first == expected(week, "partner")[0] - first
            assert run.created == len(imported("partner")) - len(first)
        finally:
            later.stop()

    def test_usage_takes_no_linking_lock(self, systems, metrics):
        """A usage pull goes on while someone links customers (it makes none)."""
        sync_stream(systems["partner"], "subscriptions")
        held_lock, release = threading.Event(), threading.Event()

        def linker():
            try:
                linking_lock_acquire()
                held_lock.set()
                release.wait(30)
                linking_lock_release()
            finally:
                connection.close()

        holder = threading.Thread(target=linker)
        holder.start()
        held_lock.wait(10)
        runs = []

        def pull():
            try:
                runs.append(sync_stream(systems["partner"], "usage"))
            finally:
                connection.close()

        puller = threading.Thread(target=pull)
        puller.start()
        puller.join(30)
        release.set()
        holder.join()
        assert not puller.is_alive() and runs[0].status == "succeeded" and runs[0].created > 0


@pytest.mark.django_db(transaction=True)
def test_usage_for_products_not_there_yet_imports_on_retry_once_they_are(systems, simulator, metrics):
    run = sync_stream(systems["partner"], "usage")  # before the subscriptions it is for
    feed = simulator.records("partner", "usage")
    assert (run.fetched, run.created, run.quarantined) == (len(feed), 0, len(feed))
    stuck = unresolved("partner")
    assert stuck[0].payload in feed and stuck[0].error.startswith("UnknownProduct:")
    sync_stream(systems["partner"], "subscriptions")
    products = held("partner")
    for_them = [r for r in stuck if r.payload["partner_subscription"] in products][:10]
    for_nobody = [r for r in stuck if r.payload["partner_subscription"] not in products]
    assert [quarantine_retry(record) for record in for_them + for_nobody] == [True] * 10 + [False] * len(for_nobody)
    assert imported("partner") == {r.external_id for r in for_them}
    assert len(for_nobody) == expected(feed, "partner")[1] > 0
    assert {r.error.split(":")[0] for r in unresolved("partner")} == {"UnknownProduct"}


@pytest.mark.django_db(transaction=True)
def test_usage_of_a_metric_not_defined_is_quarantined_until_it_is(systems, metrics):
    from catalog.models import UsageMetric

    sync_stream(systems["partner"], "subscriptions")
    UsageMetric.objects.filter(code="streaming_hours").delete()
    sync_stream(systems["partner"], "usage")
    stuck = [r for r in unresolved("partner") if r.error.startswith("UnknownMetric:")]
    assert stuck and not imported("partner")
    MetricFactory(code="streaming_hours", unit="hour")
    assert quarantine_retry(stuck[0])
    assert UsageRecord.objects.filter(external_id=stuck[0].external_id, metric="streaming_hours").exists()


@pytest.mark.django_db(transaction=True)
def test_pushed_usage_is_imported_once(systems, simulator, metrics):
    sync_stream(big_pages(systems["mobile"]), "subscriptions")
    sent = simulator.control("changes", {"system": "mobile", "stream": "usage", "count": 20})["records"]
    known, strangers = expected(sent, "mobile")
    run = apply_pushed(systems["mobile"], "usage", sent)
    assert (run.kind, run.status, run.created, run.quarantined) == ("push", "succeeded", len(known), strangers)
    assert imported("mobile") == known
    # The next pull brings the same records (the push was appended to the feed): nothing new.
    pulled = sync_stream(systems["mobile"], "usage")
    assert UsageRecord.objects.filter(system="mobile").count() == pulled.created + len(known)
    assert apply_pushed(systems["mobile"], "usage", sent).created == 0  # pushed twice


@pytest.mark.django_db(transaction=True)
def test_the_simulator_pushes_usage_over_http(live_server, systems, simulator, metrics):
    sync_stream(systems["fixed"], "lines")
    simulator.control(
        "webhook", {"url": f"{live_server.url}/api/v1/backoffice/{{system}}/events", "secret": "push-secret"}
    )
    sent = simulator.control("changes", {"system": "fixed", "stream": "usage", "count": 3})["records"]
    known, _ = expected(sent, "fixed")
    deadline = time.monotonic() + 10
    while imported("fixed") != known and time.monotonic() < deadline:
        time.sleep(0.05)
    assert imported("fixed") == known and known
    assert not SyncCursor.objects.filter(stream="usage").exclude(cursor="").exists()  # pushed, not pulled


class TestMapping:
    """Each system's usage shape in Overlay's terms; what does not fit is a MappingError."""

    mobile = MobileAdapter.__new__(MobileAdapter)
    fixed = FixedAdapter.__new__(FixedAdapter)
    partner = PartnerCatalogAdapter.__new__(PartnerCatalogAdapter)
    CDR = {
        "cdrId": "CDR000000000007",
        "subscriptionId": "SUB-3-1",
        "service": "ROAMING_DATA",
        "volume": "93.75",
        "uom": "MB",
        "eventStart": "2026-06-14T19:18:16Z",
        "roamingZone": "WORLD",
        "receivedAt": "2026-06-15T00:12:36.000000Z",
    }

    def test_mobile_call_detail_records(self):
        assert self.mobile.map_record("usage", self.CDR) == UsageRecordIn(
            external_id="CDR000000000007",
            product_ref="SUB-3-1",
            metric="roaming_data",
            quantity=D("93.75"),
            start=datetime(2026, 6, 14, 19, 18, 16, tzinfo=UTC),
            attributes={"roamingZone": "WORLD"},
        )
        voice = self.mobile.map_record("usage", {**self.CDR, "service": "VOICE", "uom": "MIN", "volume": "2.5"})
        assert (voice.metric, voice.quantity, voice.attributes) == ("voice", D("2.5"), {"roamingZone": "WORLD"})
        fleet = {**self.CDR, "subscriptionId": "IOT-23", "service": "TRACKER_UPTIME", "uom": "PCT", "volume": "98.10"}
        del fleet["roamingZone"]
        uptime = self.mobile.map_record("usage", fleet)
        assert (uptime.product_ref, uptime.metric, uptime.quantity, uptime.attributes) == (
            "IOT-23",
            "tracker_uptime",
            D("98.10"),
            {},
        )

    def test_the_fixed_stacks_units_become_the_metrics(self):
        raw = {
            "usage_id": "FU000000000002",
            "line_ref": "FL00000002",
            "usage_type": "BB_VOLUME",
            "amount": "1234567",
            "amount_unit": "KB",
            "period_start": "2026-03-15 21:24:28",
            "loaded_at": "2026-03-16 00:00:00.000000",
        }
        data = self.fixed.map_record("usage", raw)
        assert (data.metric, data.quantity, data.start) == (
            "data",
            D("1234.567"),
            datetime(2026, 3, 15, 21, 24, 28, tzinfo=UTC),  # written without a zone: UTC
        )
        call = self.fixed.map_record("usage", {**raw, "usage_type": "VOICE", "amount": "125", "amount_unit": "SEC"})
        assert (call.metric, call.quantity) == ("voice", D("2.083333"))  # six decimals at most
        assert self.fixed.map_record("usage", {**raw, "usage_type": "VOICE", "amount": "36", "amount_unit": "SEC"})
        assert self.fixed.map_record("usage", {**raw, "amount": "2", "amount_unit": "GB"}).quantity == D("2000")

    def test_the_partners_viewing_log(self):
        raw = {
            "event_id": "PE000000005750",
            "partner_subscription": "PS-00000001",
            "sku": "MUSICBOX",
            "kind": "stream",
            "hours": "10.25",
            "started_epoch": 1773611782,
            "logged": "2026-03-16T00:00:00.000000Z",
        }
        assert self.partner.map_record("usage", raw) == UsageRecordIn(
            "PE000000005750",
            "PS-00000001",
            "streaming_hours",
            D("10.25"),
            datetime.fromtimestamp(1773611782, UTC),
        )

    @pytest.mark.parametrize(
        "adapter, change, why",
        [
            ("mobile", {"service": "FAX"}, "no usage the mobile stack reports"),
            ("mobile", {"uom": "KB"}, "comes in MB"),
            ("mobile", {"volume": "lots"}, "not a quantity"),
            ("mobile", {"volume": "NaN"}, "not a quantity"),
            ("mobile", {"cdrId": None}, "'cdrId' is missing"),
            ("mobile", {"subscriptionId": ""}, "'subscriptionId' is missing"),
            ("mobile", {"eventStart": "yesterday"}, "not a timestamp"),
            ("fixed", {"amount_unit": "BYTES"}, "does not come in 'BYTES'"),
            ("fixed", {"usage_type": "TV"}, "no usage the fixed stack reports"),
            ("partner", {"started_epoch": "1773611782"}, "not a time in Unix seconds"),
            ("partner", {"started_epoch": 10**20}, "not a time in Unix seconds"),
            ("partner", {"kind": "download"}, "no usage the partner reports"),
        ],
    )
    def test_what_does_not_fit_is_a_mapping_error(self, adapter, change, why):
        raws = {
            "mobile": self.CDR,
            "fixed": {
                "usage_id": "FU1",
                "line_ref": "FL00000002",
                "usage_type": "VOICE",
                "amount": "60",
                "amount_unit": "SEC",
                "period_start": "2026-03-15 21:24:28",
            },
            "partner": {
                "event_id": "PE1",
                "partner_subscription": "PS-00000001",
                "kind": "stream",
                "hours": "1",
                "started_epoch": 1773611782,
            },
        }
        with pytest.raises(MappingError, match=why):
            getattr(self, adapter).map_record("usage", {**raws[adapter], **change})

    def test_fleets_and_partner_subscriptions_are_held_products(self):
        fleet = self.mobile.map_record(
            "iot",
            {
                "subscriptionId": "IOT-23",
                "plan": {"code": "IOT-FLEET"},
                "fleetSize": 13,
                "holder": {"fullName": "Daan Smit", "email": "Daan.Smit23@example.net", "billingAccount": "A00000023"},
                "status": "active",
                "activatedAt": "2026-01-01T00:00:11.500000Z",
                "updatedAt": "2026-01-01T00:00:05.000000Z",
            },
        )
        assert (fleet.product_code, fleet.name, fleet.characteristics, fleet.billing_account_ref) == (
            "IOT-FLEET",
            "Fleet tracking (IoT)",
            {"Vehicles": "13"},
            "A00000023",
        )
        assert (fleet.holder.email, fleet.holder.phone, fleet.holder.account_refs) == (
            "daan.smit23@example.net",
            "",
            ("A00000023",),
        )
        subscription = self.partner.map_record(
            "subscriptions",
            {
                "sub_id": "PS-00000001",
                "sku": "MUSICBOX",
                "title": "MusicBox Unlimited",
                "subscriber": {
                    "display_name": "Lotte de Vries",
                    "email": "lotte@example.org",
                    "billing_account": "A00000001",
                },
                "status": "active",
                "since": "2026-01-01T00:00:00.500000Z",
                "updated": "2026-01-01T00:00:00.000000Z",
            },
        )
        assert (subscription.external_id, subscription.product_code, subscription.name) == (
            "PS-00000001",
            "MUSICBOX",
            "MusicBox Unlimited",
        )
        assert (subscription.holder.given_name, subscription.holder.family_name) == ("Lotte", "de Vries")
        with pytest.raises(MappingError, match="fleetSize"):
            self.mobile.map_record("iot", {"subscriptionId": "IOT-1", "plan": {"code": "IOT-FLEET"}, "fleetSize": "x"})
