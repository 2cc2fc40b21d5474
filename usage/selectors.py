"""Reading usage: who may see which records and periods, a record's share of its period's charge,
and a period's figures with the projection to its end."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, Max, QuerySet, Sum, Value, When, Window

from catalog.pricing import PriceData, rate_usage, usage_amount_between
from catalog.selectors import prices_data, usage_metrics
from customers.models import HeldProduct
from overlay.principal import Principal
from usage.models import Consumption, QueryUsageConsumption, UsageAlert, UsageRecord
from usage.periods import elapsed_fraction

ZERO = Decimal(0)
READ_SCOPE = "usage:read"
CENT_HUNDREDTHS = Decimal("0.0001")


PARTNER_CHANNEL = "partner"


def _customer_filter(principal: Principal | None, product: str = "product__") -> dict | None:
    """Which usage a principal sees: a customer their own; staff and applications holding usage:read
    everyone's, except partners' applications, which see only the usage of their own services (a
    partner reads its statements with usage:read, not the operator's customers); None: nobody's.
    ``product``: the path from the rows filtered to their held product."""
    if principal is None:
        return None
    if principal.customer_id is not None:
        return {"customer_id": principal.customer_id}
    if not principal.has_scope(READ_SCOPE):
        return None
    if principal.channel == PARTNER_CHANNEL and not principal.is_staff:
        return {f"{product}offering__partner_channel__code": principal.channel}
    return {}


def records_visible(principal: Principal | None) -> QuerySet[UsageRecord]:
    where = _customer_filter(principal)
    return UsageRecord.objects.none() if where is None else UsageRecord.objects.filter(**where)


def consumption_visible(principal: Principal | None) -> QuerySet[Consumption]:
    where = _customer_filter(principal)
    return Consumption.objects.none() if where is None else Consumption.objects.filter(**where)


def alerts_visible(principal: Principal | None) -> QuerySet[UsageAlert]:
    where = _customer_filter(principal)
    return UsageAlert.objects.none() if where is None else UsageAlert.objects.filter(**where)


@dataclass(frozen=True)
class RatedRecord:
    record: UsageRecord
    price: PriceData | None
    amount: Decimal | None  # its share of its period's charge, before tax (None: not priced)
    tax: Decimal | None


def rated_records(records: Sequence[UsageRecord]) -> list[RatedRecord]:
    """Each record with what it adds to its period's charge: the units between the period's cumulative
    quantity before it and with it (time order), at its price. Two queries for a page of records."""
    periods = {(r.product_id, r.period_start) for r in records}
    before: dict[int, Decimal] = {}
    if periods:
        windows = (
            UsageRecord.objects.filter(product_id__in={p for p, _ in periods}, period_start__in={s for _, s in periods})
            .annotate(
                running=Window(
                    Sum("quantity"),
                    partition_by=[F("product_id"), F("metric_id"), F("period_start")],
                    order_by=[F("start").asc(), F("id").asc()],
                ),
                position=Window(
                    Count("id"),
                    partition_by=[F("product_id"), F("metric_id"), F("period_start")],
                    order_by=[F("start").asc(), F("id").asc()],
                ),
                # A filter on a window is applied after the windows (Django wraps the query): only the
                # page's rows come back, while the running totals still count every record before them.
                in_page=Window(
                    Max(Case(When(id__in=[r.pk for r in records], then=Value(1)), default=Value(0))),
                    partition_by=[F("id")],
                ),
            )
            .filter(in_page=1)
            .values_list("id", "metric_id", "running", "position", "quantity")
        )
        counted = {code for code, m in usage_metrics().items() if m.aggregation == "count"}
        wanted = {r.pk for r in records}
        for pk, metric, running, position, quantity in windows:
            if pk in wanted:
                before[pk] = (
                    (Decimal(position - 1), Decimal(1)) if metric in counted else (running - quantity, quantity)
                )
    prices = prices_data({r.price_id for r in records if r.price_id})
    rated = []
    for r in records:
        price = prices.get(r.price_id)
        if price is None or r.pk not in before:
            rated.append(RatedRecord(r, price, None, None))
            continue
        used, step = before[r.pk]
        amount = usage_amount_between(price, used, used + step).quantize(CENT_HUNDREDTHS)
        rated.append(RatedRecord(r, price, amount, (amount * price.tax_rate / 100).quantize(CENT_HUNDREDTHS)))
    return rated


@dataclass(frozen=True)
class PeriodFigures:
    """A product's consumption of one metric in one period, as the channels show it."""

    consumption: Consumption
    unit: str
    metric_name: str
    kind: str
    remaining: Decimal | None  # of the included units (None: none included)
    projected_quantity: Decimal  # at the period's end, at the pace so far (the quantity, once it is over)
    projected_amount: Decimal  # before tax


def period_figures(rows: Iterable[Consumption], now: datetime) -> list[PeriodFigures]:
    """Figures with their projections: the pace so far carried to the period's end (one or two queries)."""
    rows = list(rows)
    metrics = usage_metrics()
    prices = prices_data({c.price_id for c in rows if c.price_id})
    figures = []
    for c in rows:
        metric = metrics.get(c.metric_id)
        kind = metric.kind if metric else "resource"
        summed = metric is None or metric.aggregation in ("sum", "count")
        projected, amount = c.quantity, c.amount
        passed = elapsed_fraction(c.period_start, c.period_end, now)
        if summed and 0 < passed < 1:
            projected = (c.quantity / Decimal(passed)).quantize(Decimal("0.000001"))
            price = prices.get(c.price_id)
            if price is not None:
                amount = rate_usage([(price, projected)]).amount - (c.credit if c.credit else ZERO)
                amount = max(amount, c.amount)
        figures.append(
            PeriodFigures(
                c,
                metric.unit if metric else "",
                metric.name if metric else c.metric_id,
                kind,
                max(c.included - c.quantity, ZERO) if c.included else None,
                projected,
                amount,
            )
        )
    return figures


def current_period_of(rows: Sequence[Consumption], today: date) -> list[Consumption]:
    """The rows whose period holds ``today``."""
    return [c for c in rows if c.period_start <= today < c.period_end]


def usage_products_visible(principal: Principal | None) -> QuerySet[HeldProduct]:
    """The products whose usage a principal may ask about: as for records (a customer their own)."""
    where = _customer_filter(principal, product="")
    return HeldProduct.objects.none() if where is None else HeldProduct.objects.filter(**where)


def customer_consumption(principal: Principal | None, customer_id: str, since: date) -> list[Consumption]:
    """A customer's periods starting on or after ``since``, each with its product's name and spend cap
    (``product_name``, ``cap_amount``, ``cap_currency``), by product, metric and period: one query."""
    return list(
        consumption_visible(principal)
        .filter(customer_id=customer_id, period_start__gte=since)
        .annotate(
            product_name=F("product__name"),
            cap_amount=F("product__spend_cap__amount"),
            cap_currency=F("product__spend_cap__currency"),
        )
        .order_by("product_name", "product_id", "metric_id", "period_start")
    )


def recent_alerts(principal: Principal | None, customer_id: str, since: date, limit: int = 10) -> list[UsageAlert]:
    """The customer's latest bill-shock alerts of periods from ``since``, newest first, with their products:
    one query."""
    return list(
        alerts_visible(principal)
        .filter(customer_id=customer_id, period_start__gte=since)
        .select_related("product")[:limit]
    )


@dataclass(frozen=True)
class AverageUsage:
    """A product's usage per metric code, averaged over its last periods (its "actual usage" to price)."""

    quantities: dict[str, Decimal]
    periods: list[tuple[date, date]]  # (start, end) of the periods averaged, oldest first
    projected: bool  # no period is over yet: the current one's projection to its end


def average_usage(product_id: str, periods: int, now: datetime) -> AverageUsage:
    """The average quantity of each metric over the product's last ``periods`` periods that are over (a
    metric unused in one of them counts 0 there); with none over yet, the current period's projection.
    Periods without any usage are not counted. One query, or four with the projection."""
    today = now.date()
    rows = list(
        Consumption.objects.filter(
            product_id=product_id, period_start__gte=today - timedelta(days=31 * (periods + 1))
        ).order_by("period_start", "metric_id")
    )
    over = sorted({(c.period_start, c.period_end) for c in rows if c.period_end <= today})[-periods:]
    if not over:
        current = current_period_of(rows, today)
        return AverageUsage(
            {f.consumption.metric_id: f.projected_quantity for f in period_figures(current, now)},
            sorted({(c.period_start, c.period_end) for c in current}),
            True,
        )
    starts = {start for start, _ in over}
    totals: dict[str, Decimal] = {}
    for c in rows:
        if c.period_start in starts:
            totals[c.metric_id] = totals.get(c.metric_id, ZERO) + c.quantity
    quantities = {code: (total / len(over)).quantize(Decimal("0.000001")) for code, total in totals.items()}
    return AverageUsage(quantities, over, False)


def consumption_queries_visible(principal: Principal | None) -> QuerySet[QueryUsageConsumption]:
    """TMF677 queries: each caller reads back only what it asked, while it may read usage."""
    if _customer_filter(principal) is None:
        return QueryUsageConsumption.objects.none()
    return QueryUsageConsumption.objects.filter(owner=principal.key)
