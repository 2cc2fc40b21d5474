"""Linking rules of imports, record by record: the strongest identifier that matches decides."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adapters.contracts import HeldProductRecord, PartyRecord
from customers.imports import held_products_import, held_products_link, parties_import
from customers.models import CustomerLink, HeldProduct, LinkSuggestion
from tests.factories.customers import person

pytestmark = pytest.mark.django_db


def product(number: int, **holder) -> HeldProductRecord:
    return HeldProductRecord(f"SUB-{number}", holder=PartyRecord(f"holder:SUB-{number}", **holder), name="Mobile M")


def owner(external_id: str, system: str = "mobile") -> str:
    return CustomerLink.objects.get(system=system, external_id=external_id).customer.given_name


@pytest.fixture
def koen_and_anna():
    parties_import("crm", [person(1, "Koen", "Bakker"), person(2, "Anna", "de Vries")])


def test_an_account_outweighs_an_email_of_someone_else(koen_and_anna):
    held_products_import("mobile", [product(1, account_refs=("A1",), email="anna.2@example.net")])
    assert owner("holder:SUB-1") == "Koen"
    assert not LinkSuggestion.objects.exists()


def test_a_page_settled_by_accounts_does_not_look_up_weaker_identifiers(koen_and_anna):
    page = [product(n, account_refs=("A1",), email=f"x{n}@example.net", phone=f"+3160000{n:04d}") for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        held_products_import("mobile", page)
    lookups = " ".join(q["sql"] for q in queries.captured_queries)
    assert "account_ref" in lookups
    assert "email = wanted.key" not in lookups
    assert "phone = wanted.key" not in lookups
    assert {owner(f"holder:SUB-{n}") for n in range(5)} == {"Koen"}


def test_without_an_account_match_the_email_decides(koen_and_anna):
    held_products_import("fixed", [product(3, account_refs=("A-UNKNOWN",), email="anna.2@example.net")])
    assert owner("holder:SUB-3", "fixed") == "Anna"


def test_a_national_id_sets_aside_an_account_match_and_the_next_identifier_decides(koen_and_anna):
    # The account is Koen's, but the national id is Anna's: two people; the e-mail (Anna's) links.
    held_products_import("mobile", [product(4, account_refs=("A1",), national_id="NID2", email="anna.2@example.net")])
    assert owner("holder:SUB-4") == "Anna"


def test_a_phone_alone_links_but_a_phone_beside_unmatched_identifiers_is_only_suggested(koen_and_anna):
    held_products_import("logistics", [product(5, phone="+31600000002")])
    assert owner("holder:SUB-5", "logistics") == "Anna"
    held_products_import("logistics", [product(6, phone="+31600000002", email="someone.else@example.net")])
    kept_apart = CustomerLink.objects.get(system="logistics", external_id="holder:SUB-6").customer
    assert kept_apart.given_name == ""
    assert LinkSuggestion.objects.filter(customer=kept_apart, candidate__given_name="Anna").exists()


def test_records_of_one_page_link_to_each_other(db):
    held_products_import(
        "mobile",
        [
            product(7, email="new.person@example.net", given_name="Noor"),
            product(8, email="new.person@example.net", phone="+31611112222"),
        ],
    )
    assert CustomerLink.objects.get(external_id="holder:SUB-7").customer_id == (
        CustomerLink.objects.get(external_id="holder:SUB-8").customer_id
    )


def test_a_product_stored_between_the_two_phases_of_a_page_is_updated_not_doubled(koen_and_anna):
    plan = held_products_link("mobile", [product(9, account_refs=("A1",))])
    # A push of the same subscription lands after the page was linked, before it is stored.
    held_products_import("mobile", [product(9, account_refs=("A1",), email="koen.new@example.net")])
    plan.store()
    assert HeldProduct.objects.filter(system="mobile", external_id="SUB-9").count() == 1
    assert HeldProduct.objects.get(external_id="SUB-9").customer.given_name == "Koen"


# A sync links a page while the pages before it are still being written (adapters.sync._PageWriter):
# what they will write counts as written.
def pending(*plans):
    from customers.imports import InFlight

    return InFlight(plans)


def test_a_page_links_to_the_new_customer_of_a_page_not_written_yet(db):
    first = held_products_link("mobile", [product(7, email="noor@example.net", given_name="Noor")], pending())
    second = held_products_link("mobile", [product(8, email="noor@example.net")], pending(first))
    assert not CustomerLink.objects.exists()  # neither is written yet
    first.store()
    second.store()
    assert owner("holder:SUB-7") == owner("holder:SUB-8") == "Noor"
    assert CustomerLink.objects.values("customer").distinct().count() == 1


def test_a_record_repeated_by_the_next_page_is_not_linked_twice(db):
    first = held_products_link("mobile", [product(7, email="noor@example.net")], pending())
    again = held_products_link("mobile", [product(7, email="noor@example.net")], pending(first))
    changed = held_products_link("mobile", [product(7, email="noor.new@example.net")], pending(first))
    assert (again.counts.created, changed.counts.created) == (1, 1)  # the products are new; the links are not
    assert again.linked.links == [] and changed.linked.links == []
    first.store()
    changed.store()
    link = CustomerLink.objects.get(external_id="holder:SUB-7")
    assert link.email == "noor.new@example.net"
    assert HeldProduct.objects.filter(external_id="SUB-7").count() == 1


def test_an_identifier_a_pending_page_takes_away_no_longer_links(koen_and_anna):
    held_products_import("mobile", [product(10, email="koen.old@example.net", account_refs=("A1",))])
    # The next pull's page changes the holder's e-mail; the page after it meets the old one.
    changed = held_products_link("mobile", [product(10, email="koen.new@example.net", account_refs=("A1",))], pending())
    stranger = held_products_link("mobile", [product(11, email="koen.old@example.net")], pending(changed))
    changed.store()
    stranger.store()
    assert owner("holder:SUB-10") == "Koen"
    assert CustomerLink.objects.get(external_id="holder:SUB-11").customer.links.count() == 1  # someone new


def test_a_pending_crm_account_links_a_stack_record_that_names_it(db):
    from customers.imports import parties_link

    crm = parties_link("crm", [person(3, "Mila", "Jansen")], pending())
    stack = held_products_link("mobile", [product(12, account_refs=("A3",))], pending(crm))
    crm.store()
    stack.store()
    assert owner("holder:SUB-12") == "Mila"


@pytest.mark.django_db(transaction=True)
def test_a_merge_waits_for_whoever_links_and_then_decides_on_what_it_finds():
    """Merging moves links and deletes a customer: a sync writing pages it linked against that customer
    holds the linking lock, so the merge waits for it; a second merge of the same suggestion then refuses."""
    import threading
    import time

    from customers.linking import link_suggestion_confirm, linking_lock_acquire, linking_lock_release
    from customers.models import Customer
    from overlay.errors import Conflict
    from tests.factories.customers import CustomerFactory

    kept_apart, candidate = CustomerFactory(), CustomerFactory()
    suggestion = LinkSuggestion.objects.create(customer=kept_apart, candidate=candidate, reason="same email")
    held, outcomes = threading.Event(), []

    def sync_writer():  # holds the lock as a sync's page writer does
        try:
            linking_lock_acquire()
            held.set()
            time.sleep(0.5)
            outcomes.append("writer done")
            linking_lock_release()
        finally:
            connection.close()

    writer = threading.Thread(target=sync_writer)
    writer.start()
    held.wait()
    stale_copy = LinkSuggestion.objects.get(pk=suggestion.pk)
    link_suggestion_confirm(suggestion)
    outcomes.append("merged")
    writer.join()
    assert outcomes == ["writer done", "merged"]
    assert not Customer.objects.filter(pk=kept_apart.pk).exists()
    with pytest.raises(Conflict):
        link_suggestion_confirm(stale_copy)  # read as open before the first merge
