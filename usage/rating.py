"""Rating: each billing period a record touched is aggregated again from its stored records (SQL),
rated by the catalog's pricing engine, and checked against the bill-shock thresholds.

Re-aggregating from the records makes rating idempotent and order-free: a late record, a
duplicate or a retried page leaves the same figures as records received in order. A period's
records are split by the price each was rated against (the price valid at its start), in time
order, so that a changed price applies from its validity on while included units and tiers run
over the whole period (``catalog.pricing.rate_usage``).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Avg, Count, Max, Min, Sum
from django.utils import timezone

from catalog.pricing import rate_usage
from catalog.selectors import UsageMetricData, prices_data, usage_metrics
from overlay.bulk import insert_rows
from usage.events import alert_raised
from usage.models import Consumption, SpendCap, UsageAlert, UsageRecord
from usage.periods import next_period_start

ZERO = Decimal(0)
BATCH = 2000
RATED_COLUMNS = (
    "product",
    "customer",
    "metric",
    "period_start",
    "period_end",
    "price",
    "quantity",
    "records",
    "included",
    "gross",
    "credit",
    "amount",
    "tax",
    "currency",
    "last_usage_at",
    "rated_at",
    "dirty",
)


def rate_pending(*, batch: int = BATCH, now: datetime | None = None) -> int:
    """Rate every period marked since it was last rated, a batch at a time; how many were rated.

    A batch's periods are locked while rated (others skip them): a record arriving meanwhile marks its
    period again once the rating commits, so it is rated once more and nothing is lost.
    """
    rated = 0
    while True:
        with transaction.atomic():
            marked = list(
                Consumption.objects.select_for_update(skip_locked=True)
                .filter(dirty=True)
                .order_by("period_start", "product_id")
                .values_list("product_id", "period_start")[:batch]
            )
            if not marked:
                return rated
            rate_periods(set(marked), now=now)
        rated += len(marked)


@dataclass
class _Group:
    """One (product, metric, period)'s records, by the price they were rated against."""

    customer: str
    segments: list  # (first start, price id, quantity by the metric's aggregation, records, top, mean)


def rate_periods(periods: Iterable[tuple[int, date]], *, now: datetime | None = None) -> list[Consumption]:
    """Aggregate and rate these (product, period start)s, every metric of each; write them and the
    alerts they cross; the rated rows of periods not over yet. Runs in the caller's transaction."""
    periods = set(periods)
    if not periods:
        return []
    now = now or timezone.now()
    # Lock the periods' rows first: an import marking one of them meanwhile waits, and marks it again after.
    locked = list(
        Consumption.objects.select_for_update()
        .filter(product_id__in={p for p, _ in periods}, period_start__in={s for _, s in periods})
        .order_by("pk")
        .values_list("pk", "product_id", "metric_id", "period_start")
    )
    groups = _aggregate(periods)
    metrics = usage_metrics()
    prices = prices_data({price for group in groups.values() for _, price, *_ in group.segments})
    quantities = {key: _quantity(group, metrics.get(key[1])) for key, group in groups.items()}
    rows = []
    for key, group in groups.items():
        product, metric, start = key
        priced = [(prices[price], quantity) for _, price, quantity, *_ in group.segments if price in prices]
        last_price = priced[-1][0] if priced else None
        rated = None
        if priced and metrics[metric].aggregation in ("sum", "count"):
            level = quantities.get((product, last_price.sla_metric, start)) if last_price.sla_metric else None
            rated = rate_usage(priced, level)
        rows.append(
            (
                product,
                group.customer,
                metric,
                start,
                next_period_start(start),
                last_price.id if last_price else None,
                quantities[key],
                sum(records for _, _, _, records, *_ in group.segments),
                last_price.included_units if last_price else ZERO,
                rated.gross if rated else ZERO,
                rated.credit if rated else ZERO,
                rated.amount if rated else ZERO,
                rated.tax if rated else ZERO,
                rated.currency if rated else "",
                max(last for *_, last in group.segments),
                now,
                False,
            )
        )
    insert_rows(
        Consumption,
        RATED_COLUMNS,
        rows,
        conflict=("product", "metric", "period_start"),
        update=[c for c in RATED_COLUMNS if c not in ("product", "metric", "period_start")],
    )
    orphans = [
        pk
        for pk, product, metric, start in locked
        if (product, start) in periods and (product, metric, start) not in groups
    ]
    if orphans:  # marked, but none of its records is left
        Consumption.objects.filter(pk__in=orphans).update(
            dirty=False, quantity=0, records=0, gross=0, credit=0, amount=0, tax=0, rated_at=now
        )
    # Only a period not over yet can raise an alert: only those become objects (most rated periods are past).
    today, end = now.date(), RATED_COLUMNS.index("period_end")
    names = [_attname(c) for c in RATED_COLUMNS]
    current = [Consumption(**dict(zip(names, row, strict=True))) for row in rows if row[end] > today]
    _raise_alerts(current, metrics, now)
    return current


def _attname(column: str) -> str:
    return f"{column}_id" if column in ("product", "customer", "metric", "price") else column


def _aggregate(periods: set[tuple[int, date]]) -> dict[tuple[int, str, date], _Group]:
    """The periods' records summed per price (one query), their segments in time order."""
    rows = (
        UsageRecord.objects.filter(product_id__in={p for p, _ in periods}, period_start__in={s for _, s in periods})
        .values("product_id", "metric_id", "period_start", "price_id", "customer_id")
        .annotate(
            total=Sum("quantity"),
            records=Count("id"),
            first=Min("start"),
            last=Max("start"),
            top=Max("quantity"),
            mean=Avg("quantity"),
        )
        .order_by()
    )
    groups: dict[tuple[int, str, date], _Group] = {}
    for row in rows:
        if (row["product_id"], row["period_start"]) not in periods:
            continue
        key = (row["product_id"], row["metric_id"], row["period_start"])
        group = groups.setdefault(key, _Group(row["customer_id"], []))
        group.segments.append(
            (row["first"], row["price_id"], row["total"], row["records"], row["top"], row["mean"], row["last"])
        )
    for group in groups.values():
        group.segments.sort(key=lambda segment: segment[0])
    return groups


def _quantity(group: _Group, metric: UsageMetricData | None) -> Decimal:
    """The period's quantity by the metric's aggregation; each segment's quantity becomes what is rated."""
    aggregation = metric.aggregation if metric else "sum"
    if aggregation == "count":
        group.segments = [(first, price, Decimal(n), n, *rest) for first, price, _, n, *rest in group.segments]
    records = sum(segment[3] for segment in group.segments)
    if aggregation == "max":
        return max(segment[4] for segment in group.segments)
    if aggregation == "average":
        mean = sum(Decimal(segment[5]) * segment[3] for segment in group.segments) / records
        return mean.quantize(Decimal("0.000001"))
    return sum((segment[2] for segment in group.segments), ZERO)


# --- bill shock -------------------------------------------------------------------------------
def _raise_alerts(rated: list[Consumption], metrics: dict[str, UsageMetricData], now: datetime) -> None:
    """Raise each threshold a current period crossed, once: the constraint on (product, metric, period,
    threshold) keeps a second rating from raising it again, and only the alerts this rating wrote are told."""
    current = [c for c in rated if c.period_end > now.date()]
    if not current:
        return
    run = uuid.uuid4()
    alerts = []
    for c in current:
        if c.included > 0 and metrics[c.metric_id].kind == "resource":
            for threshold, share in (
                (UsageAlert.Threshold.INCLUDED_80, Decimal("0.8")),
                (UsageAlert.Threshold.INCLUDED_100, 1),
            ):
                if c.quantity >= c.included * share:
                    alerts.append(
                        (
                            c.product_id,
                            c.customer_id,
                            c.metric_id,
                            c.period_start,
                            threshold,
                            c.quantity,
                            c.included,
                            run,
                        )
                    )
    caps = dict(
        SpendCap.objects.filter(product_id__in={c.product_id for c in current}).values_list("product_id", "amount")
    )
    if caps:
        spent: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
        customers = {}
        for c in Consumption.objects.filter(
            product_id__in=caps, period_start__in={c.period_start for c in current if c.product_id in caps}
        ).values_list("product_id", "period_start", "amount", "tax", "customer_id"):
            spent[c[0], c[1]] += c[2] + c[3]
            customers[c[0]] = c[4]
        for (product, start), total in spent.items():
            if total >= caps[product]:
                alerts.append(
                    (product, customers[product], "", start, UsageAlert.Threshold.SPEND_CAP, total, caps[product], run)
                )
    if not alerts:
        return
    insert_rows(
        UsageAlert,
        ("product", "customer", "metric", "period_start", "threshold", "value", "limit", "rating"),
        alerts,
        conflict=("product", "metric", "period_start", "threshold"),
    )
    for alert in UsageAlert.objects.filter(rating=run).select_related("product"):
        alert_raised(alert)
