"""An older change never overwrites a newer one: pushed late, replayed, or pulled again.

The simulator's records carry their last-modified time (the adapters map it to the record's
``version``); ``/_control/changes`` with a ``slot`` makes successive versions of one record.
"""

from decimal import Decimal

import pytest

from adapters.models import SyncRun
from adapters.sync import sync_stream
from catalog.models import ProductOffering
from customers.imports import InFlight, held_products_link
from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct
from customers.records import HeldProductRecord, PartyRecord
from tests.adapters.test_api import signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def push(anonymous, django_capture_on_commit_callbacks):
    """Push records as the system does (signed afresh each time), and apply them as the worker would."""

    def push(system: str, stream: str, *records: dict) -> SyncRun:
        with django_capture_on_commit_callbacks(execute=True):
            assert signed_post(anonymous, system, {"stream": stream, "records": list(records)}).status_code == 202
        return SyncRun.objects.filter(kind="push").latest("id")

    return push


def changes(simulator, system: str, slot: int, count: int, stream: str | None = None) -> list[dict]:
    body = {"system": system, "slot": slot, "count": count, **({"stream": stream} if stream else {})}
    return simulator.control("changes", body)["records"]


def crm_customer(record: dict) -> Customer:
    return Customer.objects.get(links__system="crm", links__external_id=record["CUST_NO"])


def test_an_older_change_pushed_after_a_newer_one_changes_nothing(systems, simulator, push):
    sync_stream(systems["crm"], "customers")
    older, newer = changes(simulator, "crm", slot=7, count=2)
    assert older["EMAIL_ADDR"] != newer["EMAIL_ADDR"] and older["LAST_MOD"] < newer["LAST_MOD"]

    push("crm", "customers", newer)
    late = push("crm", "customers", older)  # a replay, or a delivery that took longer: signed afresh, accepted

    assert (late.status, late.updated, late.unchanged) == ("succeeded", 0, 1)
    assert crm_customer(newer).email == newer["EMAIL_ADDR"]


def test_of_two_versions_in_one_push_the_newer_wins(systems, simulator, push):
    sync_stream(systems["crm"], "customers")
    older, newer = changes(simulator, "crm", slot=9, count=2)
    push("crm", "customers", newer, older)
    assert crm_customer(newer).email == newer["EMAIL_ADDR"]


def test_a_pull_older_than_what_is_stored_changes_nothing(systems, simulator, push):
    crm = systems["crm"]
    sync_stream(crm, "customers")
    (change,) = changes(simulator, "crm", slot=7, count=1)
    push("crm", "customers", change)
    link = CustomerLink.objects.get(system="crm", external_id=change["CUST_NO"])
    account = BillingAccount.objects.get(system="crm", external_id=change["ACCOUNTS"][0]["ACCT_NO"])
    assert link.source_version == account.source_version and link.source_version is not None

    # Pulled again from the start, the first page holds the record as it was before the change.
    run = sync_stream(crm, "customers", full=True, max_pages=1)

    assert (run.status, run.fetched, run.created, run.updated) == ("succeeded", 50, 0, 0)
    assert crm_customer(change).email == change["EMAIL_ADDR"]
    assert CustomerLink.objects.get(pk=link.pk).source_version == link.source_version
    assert BillingAccount.objects.get(pk=account.pk).source_version == account.source_version


def test_a_held_product_is_not_put_back_by_an_older_pull(systems, simulator, push):
    logistics = systems["logistics"]
    sync_stream(logistics, "shipments")
    (returned,) = changes(simulator, "logistics", slot=0, count=1)
    push("logistics", "shipments", returned)
    assert HeldProduct.objects.get(system="logistics", external_id=returned["shipmentNo"]).status == "terminated"

    logistics.page_size = 10  # the first page of the baseline only, without the change log after it
    logistics.save()
    run = sync_stream(logistics, "shipments", full=True, max_pages=1)

    assert (run.status, run.fetched, run.updated) == ("succeeded", 10, 0)
    assert HeldProduct.objects.get(system="logistics", external_id=returned["shipmentNo"]).status == "terminated"


def test_an_offering_is_not_put_back_by_an_older_change(systems, simulator, push):
    partner = systems["partner"]
    sync_stream(partner, "offerings")
    older, newer = changes(simulator, "partner", slot=0, count=2)
    push("partner", "offerings", newer)
    late = push("partner", "offerings", older)
    run = sync_stream(partner, "offerings", full=True)  # the baseline (older still), then both changes

    assert (late.updated, run.updated) == (0, 0)
    offering = ProductOffering.objects.get(source_system="partner", external_id=newer["sku"])
    assert offering.prices.get(price_type="recurring").amount == Decimal(newer["monthly_eur"])


def test_a_tariff_is_not_put_back_by_an_older_change(systems, simulator, push):
    sync_stream(systems["crm"], "products")
    older, newer = changes(simulator, "crm", slot=0, count=2, stream="products")
    push("crm", "products", newer)
    push("crm", "products", older)
    offering = ProductOffering.objects.get(source_system="crm", external_id=newer["PROD_CD"])
    assert offering.prices.get(price_type="recurring").amount == Decimal(newer["MRC"].replace(",", "."))


def shipment(version: int, status: str) -> HeldProductRecord:
    holder = PartyRecord(external_id="recipient:SHP1", given_name="Noor", phone="+31612345678", version=version)
    return HeldProductRecord("SHP1", holder, "Aurora X", "AURORA-X-128", status, version=version)


def test_an_older_version_on_the_next_page_of_a_pull_changes_nothing():
    """A pull's pages are linked while the pages before them are still being written: what
    those will write counts as stored, its versions too."""
    newer = held_products_link("logistics", [shipment(2, "terminated")], InFlight())
    older = held_products_link("logistics", [shipment(1, "active")], InFlight([newer]))
    newer.store()
    older.store()
    assert older.counts.unchanged == 1
    assert HeldProduct.objects.get(external_id="SHP1").status == "terminated"


def test_records_without_a_version_still_follow_the_last_one_received():
    held_products_link("logistics", [shipment(None, "terminated")], InFlight()).store()
    held_products_link("logistics", [shipment(None, "active")], InFlight()).store()
    assert HeldProduct.objects.get(external_id="SHP1").status == "active"
