"""Importing usage records: each once (by its id in its system), mapped to the product that used it,
its billing period and the price it is rated against; what cannot be mapped is handed back to be
quarantined. Rating follows (``usage.rating``): the periods a page touched are marked to be rated.

Everything a page needs is looked up in a few queries (products, accounts, metrics, prices), and
written in two statements: the records (``ON CONFLICT DO NOTHING``: a duplicate changes nothing)
and the periods they fall in (marked dirty).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from catalog.selectors import usage_metrics, usage_price_at, usage_price_refs
from customers.models import BillingAccount, HeldProduct
from overlay.bulk import Counts, insert_rows
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
        """Write the records; a record already imported is skipped. Mark the periods they fall in."""
        inserted = insert_rows(
            UsageRecord, RECORD_COLUMNS, self.rows, conflict=("system", "external_id"), returning=("id",)
        )
        self.counts.created = len(inserted)
        self.counts.unchanged = len(self.rows) - len(inserted)
        if inserted:
            insert_rows(
                Consumption,
                ("product", "customer", "metric", "period_start", "period_end", "dirty"),
                [(p, customer, m, start, end, True) for (p, m, start), (customer, end) in self.periods.items()],
                conflict=("product", "metric", "period_start"),
                update=("dirty",),
            )
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
        start, end = period_of(record.start, cycles.get(account))
        price = usage_price_at(prices.get((offering, record.metric), ()), record.start)
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
