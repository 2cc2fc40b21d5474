"""insert_rows: the PostgreSQL statement and the ORM fallback (SQLite's path) must agree."""

from datetime import UTC, date, datetime, timedelta
from datetime import timezone as tz

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct
from overlay import bulk
from overlay.lookups import probe_sql, rows_by_key


@pytest.fixture(params=["postgresql", "orm"])
def path(request, monkeypatch):
    if request.param == "orm":
        monkeypatch.setattr(bulk, "is_postgres", lambda: False)
    return request.param


@pytest.mark.django_db
def test_insert_upsert_and_returning(path):
    now = timezone.now()
    # Columns not given (names, status, timestamps...) take the model's defaults on both paths.
    bulk.insert_rows(Customer, ("id", "given_name"), [(f"c{i}", f"Given{i}") for i in range(3)])
    assert set(Customer.objects.values_list("status", "family_name")) == {("active", "")}
    assert sorted(Customer.objects.values_list("given_name", flat=True)) == ["Given0", "Given1", "Given2"]

    columns = ("id", "customer", "system", "external_id", "bill_cycle", "payment_method", "source_hash", "updated_at")
    first = [("a1", "c0", "crm", "A1", 1, "DD", "h1", now), ("a2", "c1", "crm", "A2", 2, "DD", "h2", now)]
    bulk.insert_rows(
        BillingAccount, columns, first, conflict=("system", "external_id"), update=("customer", "bill_cycle")
    )
    again = [("x1", "c2", "crm", "A1", 9, "INV", "h9", now)]
    bulk.insert_rows(
        BillingAccount, columns, again, conflict=("system", "external_id"), update=("customer", "bill_cycle")
    )
    account = BillingAccount.objects.get(external_id="A1")
    assert (account.pk, account.customer_id, account.bill_cycle, account.payment_method) == ("a1", "c2", 9, "DD")

    product_columns = (
        "id",
        "customer",
        "system",
        "external_id",
        "name",
        "characteristics",
        "source_hash",
    )
    returned = bulk.insert_rows(
        HeldProduct,
        product_columns,
        [("p1", "c0", "mobile", "S1", "Plan", {"MSISDN": "+31600000001"}, "h")],
        conflict=("system", "external_id"),
        update=("name",),
        returning=("id", "external_id"),
    )
    assert returned == [("p1", "S1")]
    product = HeldProduct.objects.get()
    assert product.characteristics == {"MSISDN": "+31600000001"} and product.status == "active" and product.updated_at
    assert bulk.insert_rows(Customer, ("id",), []) == []


@pytest.mark.django_db
def test_returning_without_a_conflict_target_and_a_foreign_key_first(path):
    """How new customer links get their ids (this shape broke the SQLite path of `make run`)."""
    bulk.insert_rows(Customer, ("id",), [("c1",), ("c2",)])
    rows = [("c1", "crm", "C1", "new", "h"), ("c2", "crm", "C2", "new", "h")]
    returned = bulk.insert_rows(
        CustomerLink,
        ("customer", "system", "external_id", "linked_by", "source_hash"),
        rows,
        returning=("id", "external_id"),
    )
    assert sorted(external for _, external in returned) == ["C1", "C2"]
    assert {link_id for link_id, _ in returned} == set(CustomerLink.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_copy_rows_writes_defaults_and_json(path):
    now = timezone.now()
    bulk.copy_rows(Customer, ("id", "given_name"), [("c1", "Ann"), ("c2", "Bo")])
    bulk.copy_rows(
        HeldProduct,
        ("id", "customer", "system", "external_id", "name", "characteristics", "source_hash", "updated_at"),
        [("p1", "c1", "mobile", "SUB-1", "Mobile M", {"MSISDN": "+31600000001", "quote": 'say "hi"\t'}, "h", now)],
    )
    assert set(Customer.objects.values_list("id", "status")) == {("c1", "active"), ("c2", "active")}
    product = HeldProduct.objects.get()
    assert product.characteristics == {"MSISDN": "+31600000001", "quote": 'say "hi"\t'}
    assert (product.status, product.billing_account_ref) == ("active", "")
    bulk.copy_rows(Customer, ("id",), [])  # nothing to write is fine


@pytest.mark.django_db
def test_copy_rows_keeps_times_dates_and_nulls_exactly(path):
    """COPY sends datetimes, dates and JSON as text it renders itself: the stored values are the same."""
    elsewhere = datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=tz(timedelta(hours=2)))
    bulk.copy_rows(Customer, ("id", "birth_date"), [("c1", date(1970, 12, 31)), ("c2", None)])
    assert dict(Customer.objects.values_list("id", "birth_date")) == {"c1": date(1970, 12, 31), "c2": None}
    bulk.copy_rows(
        HeldProduct,
        ("id", "customer", "system", "external_id", "name", "characteristics", "start_date", "source_hash"),
        [
            ("p1", "c1", "mobile", "S1", "Plan", {"n\\o": ["\u00e9", 1.5, None], "tab": "a\tb\nc"}, None, "h"),
            ("p2", "c1", "mobile", "S2", "Plan", {}, elsewhere, "h"),
        ],
    )
    products = {p.external_id: p for p in HeldProduct.objects.all()}
    assert products["S1"].characteristics == {"n\\o": ["\u00e9", 1.5, None], "tab": "a\tb\nc"}
    assert products["S1"].start_date is None and products["S2"].start_date == elsewhere
    assert products["S2"].characteristics == {}


@pytest.mark.django_db
def test_rows_by_key_matches_in(path):
    bulk.copy_rows(Customer, ("id", "given_name"), [(f"c{i}", f"N{i}") for i in range(5)])
    now = timezone.now()
    bulk.copy_rows(
        CustomerLink,
        ("customer", "system", "external_id", "linked_by", "source_hash", "updated_at"),
        [(f"c{i}", "crm" if i < 4 else "mobile", f"C{i % 4}", "new", "h", now) for i in range(5)],
    )
    wanted = ["C1", "C3", "nope", "C1"]
    found = rows_by_key(CustomerLink, "external_id", wanted, ("customer_id", "system"))
    assert sorted(found) == [("c1", "crm"), ("c3", "crm")]  # asked twice, answered once
    assert rows_by_key(CustomerLink, "external_id", ["C0"], ("customer_id",), system="mobile") == [("c4",)]
    assert sorted(rows_by_key(CustomerLink, "customer", {"c0", "c4"}, ("external_id",))) == [("C0",), ("C0",)]
    assert rows_by_key(CustomerLink, "external_id", [], ("customer_id",)) == []
    assert rows_by_key(Customer, "id", ("c2",), ("given_name",)) == [("N2",)]


@pytest.mark.django_db
def test_rows_by_key_probes_the_index_however_small_the_statistics_say_the_table_is():
    """A sync grows the table it looks up: with statistics from when it was small, ``= ANY`` would be
    answered by a scan of it; a probe per key keeps to the index."""
    bulk.copy_rows(Customer, ("id", "given_name"), [(f"c{i}", f"N{i}") for i in range(2000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    sql, param = probe_sql(
        [f"c{i}" for i in range(0, 4000, 2)], "SELECT id FROM customers_customer WHERE id = wanted.key"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", [param])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan and "Seq Scan on customers_customer" not in plan


@pytest.mark.django_db
def test_store_rows_copies_the_new_and_updates_the_known(path):
    now = timezone.now()
    bulk.copy_rows(Customer, ("id",), [("c1",), ("c2",)])
    columns = ("id", "customer", "system", "external_id", "bill_cycle", "payment_method", "source_hash", "updated_at")
    bulk.copy_rows(BillingAccount, columns, [("a1", "c1", "crm", "A1", 1, "DD", "h1", now)])
    bulk.store_rows(
        BillingAccount,
        columns,
        [("x1", "c2", "crm", "A1", 9, "INV", "h9", now), ("a2", "c2", "crm", "A2", 2, "DD", "h2", now)],
        known={"A1"},
        conflict=("system", "external_id"),
    )
    assert sorted(BillingAccount.objects.values_list("id", "customer_id", "external_id", "bill_cycle")) == [
        ("a1", "c2", "A1", 9),  # updated in place: its id stays
        ("a2", "c2", "A2", 2),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("wanted", [["a,b", "c'd", 'e"f{g}', "plain"], ["x\x1fy", "plain"], []])
def test_rows_by_key_matches_exactly_the_values_given(wanted):
    """Keys go as one string split by PostgreSQL; commas, quotes and braces stay inside a value,
    and a value holding the separator itself makes it send the list as an array."""
    for i, name in enumerate(["a,b", "a", "b", "c'd", 'e"f{g}', "x\x1fy", "x", "y", "plain", "other"]):
        Customer.objects.create(id=f"c{i}", given_name=name)
    found = [name for (name,) in rows_by_key(Customer, "given_name", wanted, ("given_name",))]
    assert sorted(found) == sorted(wanted)


@pytest.mark.django_db
def test_copy_rows_reports_a_duplicate_key_as_django_does_and_writes_nothing(path):
    bulk.copy_rows(Customer, ("id", "given_name"), [("c1", "First")])
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.copy_rows(Customer, ("id", "given_name"), [("c2", "Second"), ("c1", "Again")])
    assert list(Customer.objects.values_list("id", "given_name")) == [("c1", "First")]


@pytest.mark.django_db
def test_none_in_a_nullable_json_column_is_null_as_the_orm_saves_it(path):
    Customer.objects.create(id="c1")
    columns = ("id", "customer", "system", "external_id", "name", "price", "characteristics", "source_hash")
    bulk.copy_rows(HeldProduct, columns, [("p1", "c1", "mobile", "S1", "Plan", None, {}, "h")])
    bulk.insert_rows(
        HeldProduct,
        columns,
        [
            ("p2", "c1", "mobile", "S2", "Plan", None, {}, "h"),
            ("p3", "c1", "mobile", "S3", "Plan", [{"a": 1}], {}, "h"),
        ],
    )
    assert set(HeldProduct.objects.filter(price__isnull=True).values_list("pk", flat=True)) == {"p1", "p2"}
    assert HeldProduct.objects.get(pk="p3").price == [{"a": 1}]


@pytest.mark.django_db
def test_update_rows_saves_the_given_fields_of_each_row_in_one_statement(path, django_assert_num_queries):
    Customer.objects.bulk_create([Customer(id="c1"), Customer(id="c2")])
    columns = ("id", "customer", "system", "external_id", "name", "price", "characteristics", "source_hash")
    rows = [(f"p{n}", "c1", "mobile", f"S{n}", "Plan", [{"a": n}], {"n": n}, "h") for n in (1, 2, 3)]
    bulk.insert_rows(HeldProduct, columns, rows)
    one, two, three = HeldProduct.objects.order_by("pk")
    ended = datetime(2026, 12, 3, 5, 0, 0, 123456, tzinfo=UTC)
    one.name, one.price, one.customer_id, one.termination_date = "Plan L", None, "c2", ended
    two.name, two.price, two.characteristics, two.termination_date = "Plan XL", [{"b": 2}], {"k": "v"}, None
    three.system = "fixed"  # not among the fields saved: stays as it was
    with django_assert_num_queries(1):
        bulk.update_rows(HeldProduct, [one, two, three], ["name", "price", "customer", "termination_date"])
    got = {p.pk: p for p in HeldProduct.objects.all()}
    assert (got["p1"].name, got["p1"].price, got["p1"].customer_id, got["p1"].termination_date) == (
        "Plan L",
        None,
        "c2",
        ended,
    )
    assert (got["p2"].name, got["p2"].price, got["p2"].characteristics, got["p2"].customer_id) == (
        "Plan XL",
        [{"b": 2}],
        {"n": 2},  # not saved
        "c1",
    )
    assert (got["p3"].name, got["p3"].system, got["p3"].price) == ("Plan", "mobile", [{"a": 3}])
    with django_assert_num_queries(0):
        bulk.update_rows(HeldProduct, [], ["name"])
