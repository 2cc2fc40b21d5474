"""Importing usage records: each once (by its id in its system), mapped to the product that used it,
its billing period and the price it is rated against; what cannot be mapped is handed back to be
quarantined. Rating follows (``usage.rating``): the periods a page touched are marked to be rated.

Everything a page needs is looked up in a few queries (products, accounts, metrics, prices), and
written in two statements: the records (``ON CONFLICT DO NOTHING``: a duplicate changes nothing)
and the periods they fall in (marked dirty).
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from catalog.selectors import usage_metrics, usage_price_at, usage_price_refs
from customers.models import BillingAccount, HeldProduct
from overlay.bulk import Counts, insert_rows, is_postgres
from usage.models import Consumption, UsageRecord
from usage.periods import period_of
from usage.records import UsageRecordIn

RECORD_COLUMNS = (
    "system",
    "external_id",
    "product",
    "customer",
    "metric",
    "quantity",
    "start",
    "period_start",
    "price",
    "attributes",
)
MAX_QUANTITY = Decimal("1e12")


@dataclass
class UsagePlan:
    """A page of usage mapped: what it will write (``store``) and what could not be mapped (``failures``:
    (its position in the records given, its id, why), for the caller to quarantine as it was received)."""

    counts: Counts
    rows: list[tuple] = field(default_factory=list)
    periods: dict[tuple[int, str, object], tuple[str, object]] = field(default_factory=dict)
    failures: list[tuple[int, str, str]] = field(default_factory=list)
    after_store: Callable[[], None] = lambda: None

    def store(self) -> None:
        """Write the records; a record already imported is skipped. Mark the periods the new ones fall in."""
        inserted = _insert_new(self.rows, self.periods)
        self.counts.created = inserted
        self.counts.unchanged = len(self.rows) - inserted
        self.after_store()


def usage_link(system: str, records: Sequence[UsageRecordIn], in_flight=None) -> UsagePlan:
    """Map a page of one system's usage records (``in_flight`` is unused: usage makes no customers)."""
    products = {
        ref: (pk, customer, offering, account)
        for ref, pk, customer, offering, account in HeldProduct.objects.filter(
            system=system, external_id__in={r.product_ref for r in records}
        ).values_list("external_id", "pk", "customer_id", "offering_id", "billing_account_ref")
    }
    cycles = dict(
        BillingAccount.objects.filter(external_id__in={p[3] for p in products.values()} - {""}).values_list(
            "external_id", "bill_cycle"
        )
    )
    metrics = usage_metrics()
    prices = usage_price_refs({p[2] for p in products.values()})
    plan = UsagePlan(Counts())
    seen: set[str] = set()
    days: dict = {}  # (day, bill cycle) -> its period
    for position, record in enumerate(records):
        product = products.get(record.product_ref)
        why = _unmappable(record, product, metrics)
        if why:
            plan.failures.append((position, record.external_id[:100], why))
            continue
        if record.external_id in seen:  # the same record twice in one page
            continue
        seen.add(record.external_id)
        pk, customer, offering, account = product
        cycle = cycles.get(account)
        day = (record.start.timestamp() // 86400, cycle)  # its day in UTC
        if day not in days:
            days[day] = period_of(record.start, cycle)
        start, end = days[day]
        refs = prices.get((offering, record.metric), ())
        if len(refs) == 1 and refs[0].valid_from is None and refs[0].valid_to is None:
            price = refs[0].price_id
        else:
            price = usage_price_at(refs, record.start)
        plan.rows.append(
            (
                system,
                record.external_id,
                pk,
                customer,
                record.metric,
                record.quantity,
                record.start,
                start,
                price,
                dict(record.attributes),
            )
        )
        plan.periods[pk, record.metric, start] = (customer, end)
    return plan


def _unmappable(record: UsageRecordIn, product, metrics) -> str:
    if not record.external_id or len(record.external_id) > 100:
        return "UnmappedUsage: a record id of 1 to 100 characters is required"
    if product is None:
        return f"UnknownProduct: no product {record.product_ref!r} is held in this system"
    if record.metric not in metrics:
        return f"UnknownMetric: no usage metric {record.metric!r} is defined"
    if (
        not record.quantity.is_finite()
        or not (0 <= record.quantity < MAX_QUANTITY)
        or record.quantity.as_tuple().exponent < -6
    ):
        return f"BadQuantity: {record.quantity} is no quantity of at most 6 decimals from 0 to 10^12"
    return ""


def _insert_new(rows: list[tuple], periods: dict) -> int:
    """Insert the records not imported yet and mark the periods they fall in; how many were new.

    On PostgreSQL the page is COPYed into a temporary table (COPY is the fastest way in), then one
    statement moves the new ones over (``ON CONFLICT DO NOTHING`` keeps the import idempotent) and
    marks the periods of those it inserted."""
    if not rows:
        return 0
    if not is_postgres():
        inserted = insert_rows(UsageRecord, RECORD_COLUMNS, rows, conflict=("system", "external_id"), returning=("id",))
        if inserted:
            insert_rows(
                Consumption,
                ("product", "customer", "metric", "period_start", "period_end", "dirty"),
                [(p, customer, m, start, end, True) for (p, m, start), (customer, end) in periods.items()],
                conflict=("product", "metric", "period_start"),
                update=("dirty",),
            )
        return len(inserted)
    records, periods_table = UsageRecord._meta.db_table, Consumption._meta.db_table
    columns = ", ".join(UsageRecord._meta.get_field(name).column for name in RECORD_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS usage_page AS SELECT {columns} FROM {records} WITH NO DATA"
        )
        with cursor.connection.cursor().copy(f"COPY usage_page ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:-1], json.dumps(row[-1]) if row[-1] else "{}"))
        # The period's first day is the bill-cycle day (at most the 28th): a month later is the next one's.
        cursor.execute(
            f"""
            WITH new AS (
                INSERT INTO {records} ({columns}, received_at) SELECT {columns}, now() FROM usage_page
                ON CONFLICT (system, external_id) DO NOTHING
                RETURNING product_id, customer_id, metric_id, period_start
            ), marked AS (
                INSERT INTO {periods_table} (product_id, customer_id, metric_id, period_start, period_end, quantity,
                    records, included, gross, credit, amount, tax, currency, dirty)
                SELECT DISTINCT product_id, customer_id, metric_id, period_start,
                    (period_start + interval '1 month')::date, 0, 0, 0, 0, 0, 0, 0, '', true
                FROM new
                ON CONFLICT (product_id, metric_id, period_start) DO UPDATE SET dirty = true
            )
            SELECT count(*) FROM new
            """
        )
        inserted = cursor.fetchone()[0]
        cursor.execute("TRUNCATE usage_page")
    return inserted
