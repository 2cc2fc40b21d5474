"""The sync engine against the simulator over real HTTP on loopback."""

import gc
import logging
import threading
import time

import pytest

from adapters.models import QuarantinedRecord, SyncCursor, SyncRun
from adapters.sync import apply_pushed, quarantine_retry, sync_stream, sync_system
from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct, LinkSuggestion
from tests.fixtures.simulator import API_KEY

CUSTOMERS = 200  # the simulator fixture's size


def crm_ids() -> set[str]:
    return set(CustomerLink.objects.filter(system="crm").values_list("external_id", flat=True))


def killed_while_writing(monkeypatch, system, stream: str, *, page: int) -> None:
    """Pull a stream and die while writing page ``page`` (the linker has linked pages after it)."""
    from adapters import sync

    written, calls = sync._write_page, []

    def dies(*args):
        calls.append(1)
        if len(calls) == page:
            raise SystemExit("killed")
        written(*args)

    with monkeypatch.context() as patch:
        patch.setattr(sync, "_write_page", dies)
        with pytest.raises(SystemExit):
            sync_stream(system, stream)


@pytest.mark.django_db(transaction=True)
class TestPull:
    def test_first_full_sync(self, systems):
        run = sync_stream(systems["crm"], "customers")
        assert (run.status, run.fetched, run.created, run.updated, run.quarantined) == ("succeeded", 200, 200, 0, 0)
        assert run.pages == 4 and run.finished_at
        assert Customer.objects.count() == BillingAccount.objects.count() == CUSTOMERS
        # "YARA", "DE BOER", "06 0002 3799", "1111DP" in the CRM's shape; the particle stays lower case.
        yara = Customer.objects.get(links__external_id="C00000003")
        assert (yara.given_name, yara.family_name, yara.phone, yara.postcode) == (
            "Yara",
            "de Boer",
            "+31600023799",
            "1111DP",
        )
        assert SyncCursor.objects.get(system=systems["crm"], stream="customers").cursor == "c0"

    def test_incremental_sync_fetches_only_changes(self, systems, simulator):
        sync_stream(systems["crm"], "customers")
        changed = simulator.control("changes", {"system": "crm", "count": 3})["records"]
        run = sync_stream(systems["crm"], "customers")
        assert (run.fetched, run.created, run.updated) == (3, 0, len({r["CUST_NO"] for r in changed}))
        for record in changed:
            customer = Customer.objects.get(links__external_id=record["CUST_NO"])
            assert ".new" in customer.email
        assert sync_stream(systems["crm"], "customers").fetched == 0

    def test_unchanged_records_are_not_rewritten(self, systems):
        sync_stream(systems["crm"], "customers")
        before = dict(Customer.objects.values_list("id", "updated_at"))
        run = sync_stream(systems["crm"], "customers", full=True)
        assert (run.kind, run.fetched, run.unchanged, run.created, run.updated) == ("full", 200, 200, 0, 0)
        assert dict(Customer.objects.values_list("id", "updated_at")) == before

    def test_resume_after_a_stop_mid_run_loses_and_repeats_nothing(self, systems):
        first = sync_stream(systems["crm"], "customers", max_pages=2)  # as if the process died after page 2
        assert first.created == 100 and Customer.objects.count() == 100
        second = sync_stream(systems["crm"], "customers")
        assert (second.fetched, second.created) == (100, 100)
        assert len(crm_ids()) == Customer.objects.count() == CUSTOMERS

    def test_a_crash_while_a_page_is_written_loses_and_repeats_nothing(self, systems, monkeypatch):
        """The process dies while writing page 3, with pages after it linked already: none of page 3
        is there (its holders' links neither), and the next run pulls page 3 again and completes it."""
        killed_while_writing(monkeypatch, systems["mobile"], "subscriptions", page=3)
        assert HeldProduct.objects.count() == 100  # pages 1 and 2 (50 records each)
        assert CustomerLink.objects.filter(system="mobile").count() == 100
        again = sync_stream(systems["mobile"], "subscriptions")
        assert again.status == "succeeded"
        assert HeldProduct.objects.filter(system="mobile").count() == 300
        assert CustomerLink.objects.filter(system="mobile").count() == 300  # one link per record, none twice
        assert (again.fetched, again.created) == (200, 200)  # from page 3 on

    def test_a_crm_page_lands_whole_or_not_at_all(self, systems, monkeypatch):
        killed_while_writing(monkeypatch, systems["crm"], "customers", page=2)
        assert BillingAccount.objects.count() == CustomerLink.objects.count() == Customer.objects.count() == 50
        again = sync_stream(systems["crm"], "customers")
        assert (again.fetched, again.created, again.unchanged) == (150, 150, 0)
        assert BillingAccount.objects.count() == Customer.objects.count() == CUSTOMERS
        before = dict(BillingAccount.objects.values_list("id", "updated_at"))
        sync_stream(systems["crm"], "customers", full=True)
        assert dict(BillingAccount.objects.values_list("id", "updated_at")) == before  # unchanged: not rewritten

    def test_malformed_records_are_quarantined_and_the_rest_lands(self, systems, simulator):
        simulator.control("faults", {"system": "crm", "malformed_every": 10})
        run = sync_stream(systems["crm"], "customers")
        assert run.status == "succeeded"
        assert (run.fetched, run.quarantined, run.created) == (200, 20, 180)
        record = QuarantinedRecord.objects.first()
        assert record.payload["garbage"] == "\\u0000not-a-record"  # NUL escaped: PostgreSQL JSON refuses it
        assert "CUST_NO" in record.error and record.run == run
        assert Customer.objects.count() == 180

    def test_quarantined_records_import_once_the_mapping_is_fixed(self, systems):
        crm = systems["crm"]
        crm.adapter = "tests.adapters.lenient.CrmAdapterWithBug"
        crm.save()
        run = sync_stream(crm, "customers")
        stuck = list(QuarantinedRecord.objects.filter(resolved_at__isnull=True))
        assert run.quarantined == len(stuck) > 0 and "BUSI" in stuck[0].error
        assert not quarantine_retry(stuck[0])  # still the buggy mapping
        crm.adapter = "adapters.builtin.simulated.CrmAdapter"
        crm.save()
        assert all(quarantine_retry(record) for record in QuarantinedRecord.objects.select_related("system"))
        assert Customer.objects.count() == CUSTOMERS
        assert not QuarantinedRecord.objects.filter(resolved_at__isnull=True).exists()

    def test_duplicate_records_in_a_page_land_once(self, systems, simulator):
        simulator.control("faults", {"system": "crm", "duplicate_every": 3})
        run = sync_stream(systems["crm"], "customers")
        assert run.fetched > CUSTOMERS and run.created == CUSTOMERS == Customer.objects.count()


@pytest.mark.django_db(transaction=True)
class TestFailures:
    def test_transient_5xx_is_retried(self, systems, simulator):
        simulator.control("faults", {"system": "crm", "fail_next": 2})
        run = sync_stream(systems["crm"], "customers")
        assert run.status == "succeeded" and run.created == CUSTOMERS

    def test_timeouts_are_retried(self, systems, simulator):
        crm = systems["crm"]
        crm.timeout_seconds = 0.3
        crm.save()
        simulator.control("faults", {"system": "crm", "timeout_next": 1, "timeout_seconds": 1})
        run = sync_stream(crm, "customers")
        assert run.status == "succeeded" and run.created == CUSTOMERS

    def test_a_dead_system_fails_the_run_without_partial_garbage(self, systems, simulator):
        sync_stream(systems["crm"], "customers", max_pages=1)
        cursor = SyncCursor.objects.get(stream="customers").cursor
        simulator.control("faults", {"system": "crm", "error_rate": 1.0})
        run = sync_stream(systems["crm"], "customers")
        assert run.status == "failed" and "HTTP 503" in run.error and run.pages == 0
        assert SyncCursor.objects.get(stream="customers").cursor == cursor
        assert Customer.objects.count() == 50 == len(crm_ids())
        simulator.control("faults", {"system": "crm"})
        from adapters import http

        http._BREAKERS.clear()  # the breaker would let a call through after its cool-down anyway
        assert sync_stream(systems["crm"], "customers").status == "succeeded"
        assert Customer.objects.count() == CUSTOMERS

    def test_the_circuit_opens_and_calls_fail_fast(self, systems, simulator):
        simulator.control("faults", {"system": "crm", "error_rate": 1.0})
        sync_stream(systems["crm"], "customers")
        sync_stream(systems["crm"], "customers")
        calls = simulator.stats()["crm"]
        run = sync_stream(systems["crm"], "customers")
        assert run.status == "failed" and "circuit open" in run.error
        assert simulator.stats()["crm"] == calls  # not called at all

    def test_credentials_never_reach_the_logs(self, systems, simulator, caplog):
        simulator.control("faults", {"system": "crm", "fail_next": 10})
        with caplog.at_level(logging.DEBUG):
            run = sync_stream(systems["crm"], "customers")
        assert run.status == "failed"
        assert caplog.records and API_KEY not in caplog.text and API_KEY not in run.error

    def test_a_wrong_key_fails_clearly(self, systems, monkeypatch):
        monkeypatch.setenv("SIMULATOR_API_KEY", "wrong")
        run = sync_stream(systems["crm"], "customers")
        assert run.status == "failed" and "HTTP 401" in run.error


@pytest.mark.django_db(transaction=True)
class TestLinking:
    def test_the_same_person_in_three_systems_is_one_customer(self, systems):
        for code in ("crm", "mobile", "fixed"):
            sync_system(systems[code])
        koen = Customer.objects.get(links__external_id="C00000000")
        assert sorted(koen.links.values_list("system", flat=True)) == ["crm", "fixed", "mobile"]
        assert koen.held_products.count() == 2  # one subscription, one fibre line
        assert Customer.objects.count() == CUSTOMERS

    def test_linking_does_not_depend_on_the_order_of_systems(self, systems):
        for code in ("fixed", "mobile", "crm"):
            sync_system(systems[code])
        assert Customer.objects.count() == CUSTOMERS
        xena = Customer.objects.get(links__external_id="C00000000")
        assert sorted(xena.links.values_list("system", flat=True)) == ["crm", "fixed", "mobile"]
        # The CRM's data wins once it arrives: the fixed stack had "Bos, Xena" and no national id.
        assert (xena.given_name, xena.family_name) == ("Xena", "Bos") and xena.national_id

    def test_an_ambiguous_match_is_kept_apart_for_an_agent(self, systems):
        sync_system(systems["crm"])
        sync_system(systems["logistics"])
        # Shipment 0 names only a phone that persons 0 and 1 share (one household line).
        recipient = Customer.objects.get(links__external_id="recipient:SHP000000000")
        candidates = {s.candidate.links.get(system="crm").external_id for s in recipient.suggestions.all()}
        assert candidates == {"C00000000", "C00000001"}
        assert recipient.held_products.count() == 1
        assert Customer.objects.count() == CUSTOMERS + 4  # shipments 0, 50, 100, 150

    def test_people_sharing_a_phone_are_not_merged(self, systems):
        sync_system(systems["crm"])
        first, second = (Customer.objects.get(links__external_id=f"C0000000{i}") for i in (0, 1))
        assert first.phone == second.phone and first.pk != second.pk

    def test_an_agent_confirms_or_splits_a_suggestion(self, systems):
        from customers.linking import link_suggestion_confirm, link_suggestion_split

        sync_system(systems["crm"])
        sync_system(systems["logistics"])
        recipient = Customer.objects.get(links__external_id="recipient:SHP000000000")
        confirmed, other_person = recipient.suggestions.all()
        target = link_suggestion_confirm(confirmed)
        assert not Customer.objects.filter(pk=recipient.pk).exists()
        assert target.held_products.filter(system="logistics").count() == 1
        assert LinkSuggestion.objects.get(pk=other_person.pk).status == "split"
        other = LinkSuggestion.objects.filter(status="open").first()
        link_suggestion_split(other)
        assert LinkSuggestion.objects.get(pk=other.pk).status == "split"
        with pytest.raises(Exception, match="decided already"):
            link_suggestion_split(other)

    def test_held_products_carry_their_characteristics(self, systems):
        sync_system(systems["crm"])
        sync_system(systems["mobile"])
        subscription = HeldProduct.objects.get(system="mobile", external_id="SUB-0-0")
        assert subscription.characteristics["MSISDN"] == "+31600000042"
        assert subscription.customer.links.filter(external_id="C00000000").exists()
        subscriptions = HeldProduct.objects.filter(system="mobile").exclude(product_code="IOT-FLEET")
        assert subscriptions.count() == 300  # 1, 2, 0, 3 per four people
        fleet = HeldProduct.objects.get(system="mobile", external_id="IOT-23")  # the first business of every fourth
        assert (fleet.name, fleet.characteristics, fleet.customer.segment) == (
            "Fleet tracking (IoT)",
            {"Vehicles": "13"},
            "business",
        )


@pytest.mark.django_db(transaction=True)
def test_partner_offerings_arrive_in_design_and_follow_the_partner(systems, simulator):
    from catalog.models import ProductOffering

    run = sync_stream(systems["partner"], "offerings")
    assert run.created == 5
    premium = ProductOffering.objects.get(source_system="partner", external_id="STREAMMAX-PREMIUM")
    assert premium.lifecycle_status == "In design" and str(premium.prices.get().amount) == "9.9900"
    assert ProductOffering.objects.get(external_id="GAMEPASS-LITE").lifecycle_status == "Retired"
    simulator.control("changes", {"system": "partner", "count": 1})
    run = sync_stream(systems["partner"], "offerings")
    assert run.updated == 1


@pytest.mark.django_db(transaction=True)
def test_a_push_during_a_pull_waits_for_a_page_not_for_the_pull(systems, simulator, monkeypatch):
    """A pull's writer holds the linking lock across pages; a push waiting for it gets it between two."""
    from django.db import connection

    from adapters import sync

    sync_stream(systems["crm"], "customers")
    changes = simulator.control("changes", {"system": "crm", "count": 2})["records"]
    written, pages = sync._write_page, []

    def slowly(*args):
        time.sleep(0.4)  # every page takes a while to write: the pull lasts seconds
        written(*args)
        pages.append(1)

    monkeypatch.setattr(sync, "_write_page", slowly)
    runs = []

    def pull():
        try:
            runs.append(sync_stream(systems["mobile"], "subscriptions"))
        finally:
            connection.close()

    puller = threading.Thread(target=pull)
    puller.start()
    while not pages:  # the pull holds the lock and has written a page
        time.sleep(0.02)
    push = apply_pushed(systems["crm"], "customers", changes)
    assert puller.is_alive() and len(pages) < 6  # the push did not wait for the whole pull
    puller.join()
    assert (push.status, runs[0].status, runs[0].created) == ("succeeded", "succeeded", 300)
    assert ".new" in Customer.objects.get(links__external_id=changes[-1]["CUST_NO"]).email
    assert CustomerLink.objects.filter(system="mobile").count() == HeldProduct.objects.count() == 300


@pytest.mark.django_db(transaction=True)
def test_every_run_is_recorded(systems):
    sync_system(systems["crm"])
    run = SyncRun.objects.get(stream="customers")
    assert (run.system.code, run.stream, run.kind, run.status) == ("crm", "customers", "pull", "succeeded")


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_fails_the_run_and_reaches_the_caller(systems, monkeypatch):
    from adapters import sync

    def broken(system, records, in_flight=None):
        raise RuntimeError("the mapping's author forgot something")

    monkeypatch.setitem(sync.LINKERS, "party", broken)
    with pytest.raises(RuntimeError, match="forgot something"):
        sync_stream(systems["crm"], "customers")
    run = SyncRun.objects.get(stream="customers")
    assert (run.status, run.error) == ("failed", "RuntimeError: the mapping's author forgot something")
    assert run.finished_at and not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_sync_collects_garbage_sparingly_and_gives_the_collector_back(systems, monkeypatch):
    from adapters import sync

    before, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    during = []
    link = sync.LINKERS["party"]

    def watched(system, records, in_flight=None):
        during.append((gc.get_threshold(), gc.get_freeze_count()))
        return link(system, records, in_flight)

    monkeypatch.setitem(sync.LINKERS, "party", watched)
    assert sync_stream(systems["crm"], "customers").status == "succeeded"
    assert during and all(threshold == sync.sparing_collector.THRESHOLDS for threshold, _ in during)
    assert frozen_before or all(frozen > 0 for _, frozen in during)
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, frozen_before)

    def broken(system, records, in_flight=None):
        raise RuntimeError("boom")

    monkeypatch.setitem(sync.LINKERS, "party", broken)
    with pytest.raises(RuntimeError):
        sync_stream(systems["crm"], "customers", full=True)
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, frozen_before)


def test_the_sparing_collector_nests_until_the_last_one_leaves():
    from adapters.sync import sparing_collector

    before = gc.get_threshold()
    with sparing_collector:
        with sparing_collector:
            pass
        assert gc.get_threshold() == sparing_collector.THRESHOLDS
    assert gc.get_threshold() == before
