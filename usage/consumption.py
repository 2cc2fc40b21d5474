"""TMF677 consumption reports: per product, a bucket per metric and billing period with the quantity used,
the included units left, the projection to the period's end and the amount so far.

Read from the rated periods (``Consumption``), never from the records: a report costs the same few
queries whatever the usage behind it, however many products, metrics and periods it covers. A metric the
product's offering prices but that has no usage yet in a period shows as an empty bucket (nothing used,
every included unit left).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from catalog.errors import InvalidReference
from catalog.selectors import prices_data, usage_price_at, usage_price_refs
from customers.models import BillingAccount, Customer
from overlay.errors import Forbidden, UnprocessableEntity
from overlay.principal import Principal
from usage.models import Consumption, QueryUsageConsumption
from usage.periods import at_midnight, next_period_start, period_of
from usage.selectors import PeriodFigures, period_figures, usage_products_visible

MAX_PRODUCTS = 20  # named in one query, or the customer's products looked at when none is named
MAX_PERIODS = 25  # about two years of monthly periods


@dataclass(frozen=True)
class ConsumptionAsk:
    """What a TMF677 query asks: products (or all of a customer's), in the periods holding start..end."""

    product_ids: tuple[str, ...] = ()
    customer_id: str | None = None
    start: datetime | None = None  # None: now (the current period)
    end: datetime | None = None  # None: the start's period only


@dataclass(frozen=True)
class _Product:
    id: str
    name: str
    customer_id: str
    offering_id: str | None
    periods: tuple[tuple[date, date], ...]


def consumption_query_create(principal: Principal, ask: ConsumptionAsk, *, now: datetime) -> QueryUsageConsumption:
    """Answer a consumption query from the rated periods and keep it for its asker to read back.

    A product the caller may not see is unknown (``422``, nothing kept); a customer token asks about
    its own usage only (``403``).
    """
    customer_id = ask.customer_id
    if principal.customer_id is not None:
        if customer_id not in (None, principal.customer_id):
            raise Forbidden("A customer asks about their own usage only.", field="customer")
        customer_id = principal.customer_id if not ask.product_ids else customer_id
    start, end = ask.start or now, ask.end or ask.start or now
    if start > now:
        raise UnprocessableEntity("starts in the future: there is no usage yet.", field="searchCriteria.validPeriod")
    end = min(end, now)
    if customer_id and principal.customer_id is None and not Customer.objects.filter(pk=customer_id).exists():
        raise UnprocessableEntity(f"there is no customer '{customer_id}'.", field="customer")
    products = _products(principal, ask.product_ids, customer_id, start, end)
    report = _report(products, now, named=bool(ask.product_ids))
    return QueryUsageConsumption.objects.create(
        owner=principal.key,
        customer_id=customer_id or (products[0].customer_id if len({p.customer_id for p in products}) == 1 else None),
        asked={
            "product_ids": list(ask.product_ids),
            "customer_id": customer_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        report=report,
        created_at=now,
    )


def _products(
    principal: Principal, product_ids: Sequence[str], customer_id: str | None, start: datetime, end: datetime
) -> list[_Product]:
    """The products asked about, each with its billing periods from start's to end's (one query)."""
    visible = usage_products_visible(principal)
    if product_ids:
        visible = visible.filter(pk__in=set(product_ids))
    if customer_id:
        visible = visible.filter(customer_id=customer_id)
    cycle = BillingAccount.objects.filter(external_id=OuterRef("billing_account_ref")).values("bill_cycle")[:1]
    rows = {
        pk: (name, customer, offering, cycle)
        for pk, name, customer, offering, cycle in visible.annotate(cycle=Subquery(cycle))
        .order_by("pk")
        .values_list("pk", "name", "customer_id", "offering_id", "cycle")[: MAX_PRODUCTS if not product_ids else None]
    }
    missing = [pk for pk in product_ids if pk not in rows]
    if missing:
        whose = f" held by customer '{customer_id}'" if customer_id and principal.customer_id is None else ""
        raise InvalidReference(
            f"there is no product '{missing[0]}'{whose} whose usage you may see.", field="searchCriteria.product"
        )
    chosen = list(dict.fromkeys(product_ids)) if product_ids else list(rows)
    found = []
    for pk in chosen:
        name, customer, offering, bill_cycle = rows[pk]
        first, _ = period_of(start, bill_cycle)
        last, _ = period_of(end, bill_cycle)
        periods, period = [], first
        while period <= last and len(periods) < MAX_PERIODS:
            periods.append((period, next_period_start(period)))
            period = next_period_start(period)
        found.append(_Product(pk, name, customer, offering, tuple(periods)))
    return found


def _report(products: list[_Product], now: datetime, *, named: bool) -> list[dict]:
    """Per product its buckets, per period and metric; products not named and without any bucket are left out."""
    if not products:
        return []
    starts = {s for p in products for s, _ in p.periods}
    rated = {
        (c.product_id, c.metric_id, c.period_start): c
        for c in Consumption.objects.filter(
            product_id__in=[p.id for p in products], period_start__gte=min(starts), period_start__lte=max(starts)
        )
    }
    # Metrics the offering prices but no usage has reached yet in a period: an empty bucket each.
    refs = usage_price_refs({p.offering_id for p in products if p.offering_id})
    empty = []
    for product in products:
        for (offering, metric), priced in refs.items():
            if offering != product.offering_id:
                continue
            for period_start, period_end in product.periods:
                if (product.id, metric, period_start) in rated:
                    continue
                moment = min(now, at_midnight(period_end) - timedelta(microseconds=1))
                price_id = usage_price_at(priced, max(moment, at_midnight(period_start)))
                if price_id is not None:
                    empty.append((product, metric, period_start, period_end, price_id))
    prices = prices_data({c.price_id for c in rated.values() if c.price_id} | {e[-1] for e in empty})
    for product, metric, period_start, period_end, price_id in empty:
        rated[product.id, metric, period_start] = Consumption(
            product_id=product.id,
            customer_id=product.customer_id,
            metric_id=metric,
            period_start=period_start,
            period_end=period_end,
            price_id=price_id,
            included=prices[price_id].included_units if price_id in prices else Decimal(0),
            currency=prices[price_id].currency if price_id in prices else "",
        )
    wanted = {(p.id, s) for p in products for s, _ in p.periods}
    rows = sorted(
        (c for key, c in rated.items() if (key[0], key[2]) in wanted),
        key=lambda c: (c.period_start, c.metric_id),
    )
    figures: dict[str, list[PeriodFigures]] = {}
    for figure in period_figures(rows, now):
        figures.setdefault(figure.consumption.product_id, []).append(figure)
    report = []
    for product in products:
        buckets = [_bucket(f, now) for f in figures.get(product.id, [])]
        if buckets or named:
            report.append(
                {
                    "product": {"id": product.id, "name": product.name},
                    "customer_id": product.customer_id,
                    "period_start": product.periods[0][0].isoformat(),
                    "period_end": product.periods[-1][1].isoformat(),
                    "buckets": buckets,
                }
            )
    return report


def _bucket(figure: PeriodFigures, now: datetime) -> dict:
    c = figure.consumption
    over = max(c.quantity - c.included, Decimal(0)) if c.included else None
    return {
        "metric": c.metric_id,
        "name": figure.metric_name,
        "unit": figure.unit,
        "kind": figure.kind,
        "period_start": c.period_start.isoformat(),
        "period_end": c.period_end.isoformat(),
        "current": c.period_start <= now.date() < c.period_end,
        "used": _text(c.quantity),
        "included": _text(c.included),
        "remaining": _text(figure.remaining),
        "out_of_bucket": _text(over),
        "projected": _text(figure.projected_quantity),
        "amount": _text(c.amount),
        "tax": _text(c.tax),
        "credit": _text(c.credit),
        "projected_amount": _text(figure.projected_amount),
        "currency": c.currency,
        "priced": c.price_id is not None,
        "rated_at": c.rated_at.isoformat() if c.rated_at else None,
    }


def _text(value: Decimal | int | None) -> str | None:
    """A Decimal kept in JSON without losing digits (trailing zeros dropped)."""
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


def consumption_query_delete(query: QueryUsageConsumption) -> None:
    """Forget a kept query (its asker may)."""
    query.delete()
