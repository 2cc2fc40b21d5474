"""The 360°'s usage part: per held product with usage, the current billing period of each metric (used
against included, remaining, the amount so far with tax, the projection to the period's end, the
service-level credit) and the last periods; the customer's recent bill-shock alerts.

Shown only to callers holding ``usage:read`` (field-level: without it the 360° has no usage part).
Read through ``usage.selectors`` in a constant number of queries: the periods with their products and
spend caps (one), the alerts (one), and the projection's metrics and prices (``period_figures``, three);
one for a customer without usage in these periods.
The console draws each metric's last periods as inline SVG bars (``chart``): no script, nothing the
Content-Security-Policy refuses.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from overlay.api.representation import compact, money, number, timestamp
from overlay.api.views import RepresentationContext
from overlay.principal import Principal
from overlay.tmf import INVENTORY
from usage.models import Consumption
from usage.periods import next_period_start
from usage.selectors import READ_SCOPE, customer_consumption, period_figures, recent_alerts

HISTORY_PERIODS = 6  # the current period and the five before it
ZERO = Decimal(0)


def months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def usage_part(principal: Principal, customer_id: str, ctx: RepresentationContext, now: datetime) -> dict:
    """``{"usage": [...], "usageAlert": [...]}`` for a caller holding usage:read, else ``{}``."""
    if not principal.has_scope(READ_SCOPE):
        return {}
    today = now.date()
    # Periods start on a bill-cycle day (1 to 28): the current one started at most a month ago.
    since = months_back(today, HISTORY_PERIODS)
    rows = customer_consumption(principal, customer_id, since)
    if not rows:  # nothing used in these periods, so no recent alert either (alerts come from rated periods)
        return {"usage": [], "usageAlert": []}
    by_product: dict[str, dict[str, list[Consumption]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_product[row.product_id][row.metric_id].append(row)
    current = {}
    for metrics in by_product.values():
        for periods in metrics.values():
            last = periods[-1]
            current[last.product_id, last.metric_id] = last if last.period_end > today else _nothing_yet(last, today)
    figures = {(f.consumption.product_id, f.consumption.metric_id): f for f in period_figures(current.values(), now)}
    products = []
    for product_id, metrics in by_product.items():
        first = next(iter(metrics.values()))[0]
        metric_bodies = [_metric(figures[product_id, code], periods) for code, periods in metrics.items()]
        products.append(_product(product_id, first, metric_bodies, [figures[product_id, c] for c in metrics], ctx))
    return {
        "usage": products,
        "usageAlert": [
            compact(
                {
                    "threshold": alert.threshold,
                    "description": alert.get_threshold_display(),
                    "product": {"id": alert.product_id, "name": alert.product.name},
                    "metric": alert.metric or None,
                    "periodStart": alert.period_start.isoformat(),
                    "value": number(alert.value),
                    "limit": number(alert.limit),
                    "raisedAt": timestamp(alert.raised_at),
                }
            )
            for alert in recent_alerts(principal, customer_id, since)
        ],
    }


def _nothing_yet(last: Consumption, today: date) -> Consumption:
    """The current period of a metric used before but not yet in it: nothing used, the last price's
    included units (an unsaved row, for the figures)."""
    start = last.period_end
    while next_period_start(start) <= today:
        start = next_period_start(start)
    return Consumption(
        product_id=last.product_id,
        customer_id=last.customer_id,
        metric_id=last.metric_id,
        period_start=start,
        period_end=next_period_start(start),
        price_id=last.price_id,
        included=last.included,
        currency=last.currency,
        quantity=ZERO,
        gross=ZERO,
        credit=ZERO,
        amount=ZERO,
        tax=ZERO,
        dirty=False,
    )


def _amount(value: Decimal, currency: str) -> dict | None:
    return money(value, currency) if currency else None


def _metric(figures, periods: list[Consumption]) -> dict:
    c = figures.consumption
    before = [p for p in periods if p.period_start < c.period_start][-(HISTORY_PERIODS - 1) :]
    shown = [*before, c]
    return compact(
        {
            "metric": c.metric_id,
            "name": figures.metric_name,
            "unit": figures.unit,
            "kind": figures.kind,
            "periodStart": c.period_start.isoformat(),
            "periodEnd": c.period_end.isoformat(),
            "used": number(c.quantity),
            "included": number(c.included) if c.included else None,
            "remaining": number(figures.remaining),
            "amount": _amount(c.amount, c.currency),
            "tax": _amount(c.tax, c.currency),
            "credit": _amount(c.credit, c.currency) if c.credit else None,
            "projected": compact(
                {
                    "quantity": number(figures.projected_quantity),
                    "amount": _amount(figures.projected_amount, c.currency),
                }
            ),
            "lastUsage": timestamp(c.last_usage_at),
            "ratingPending": True if c.dirty else None,
            "history": [
                compact(
                    {
                        "periodStart": p.period_start.isoformat(),
                        "used": number(p.quantity),
                        "amount": _amount(p.amount, p.currency),
                        "current": True if p is c else None,
                    }
                )
                for p in shown
            ],
        }
    )


def _product(product_id: str, first: Consumption, metrics: list[dict], figures: list, ctx) -> dict:
    currencies = {f.consumption.currency for f in figures if f.consumption.currency}
    currency = currencies.pop() if len(currencies) == 1 else ""
    spent = sum((f.consumption.amount + f.consumption.tax for f in figures), ZERO)
    return compact(
        {
            "product": {
                "id": product_id,
                "href": ctx.href(f"{INVENTORY.base}/product/{product_id}"),
                "name": first.product_name,
            },
            "spent": _amount(spent, currency),
            "spendCap": _amount(first.cap_amount, first.cap_currency) if first.cap_amount is not None else None,
            "metric": metrics,
        }
    )


# --- the console's chart ----------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str  # the period's month, under the bar
    title: str  # what a pointer over it says
    current: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    baseline: int
    label_y: int
    included_y: int | None  # a line at the included units
    projected: Bar | None  # the current period's projection, drawn behind its bar
    summary: str  # for screen readers


CHART_HEIGHT, BAR_WIDTH, GAP, LABEL_SPACE = 80, 28, 8, 16
# Early in a period the pace so far can project far beyond anything used: the projection is drawn up to
# this many times the highest of the periods and the included units, and cut there (its title says it).
PROJECTION_REACH = 2


def chart(metric: dict) -> Chart:
    """Bars for a metric's last periods, the current one with its projection behind it, scaled to the
    highest of the quantities, the included units and the projection (cut at ``PROJECTION_REACH`` times
    the others)."""
    history = metric["history"]
    unit = metric.get("unit", "")
    projected = metric.get("projected", {}).get("quantity", 0) or 0
    known = max([h["used"] for h in history] + [metric.get("included", 0)])
    top = max(known, min(projected, PROJECTION_REACH * known)) or 1

    def height(value) -> int:
        return min(round(CHART_HEIGHT * value / top), CHART_HEIGHT)

    bars = []
    for index, period in enumerate(history):
        x, h = GAP + index * (BAR_WIDTH + GAP), height(period["used"])
        money_text = f", {period['amount']['value']} {period['amount']['unit']}" if "amount" in period else ""
        bars.append(
            Bar(
                x,
                CHART_HEIGHT - h,
                BAR_WIDTH,
                h,
                date.fromisoformat(period["periodStart"]).strftime("%b"),
                f"from {period['periodStart']}: {period['used']} {unit}{money_text}"
                + (" so far" if period.get("current") else ""),
                bool(period.get("current")),
            )
        )
    last = bars[-1]
    ahead = None
    if projected > metric["used"]:
        h = height(projected)
        ahead = Bar(last.x, CHART_HEIGHT - h, BAR_WIDTH, h, "", f"projected: {projected} {unit}", True)
    included = metric.get("included")
    return Chart(
        width=GAP + len(bars) * (BAR_WIDTH + GAP),
        height=CHART_HEIGHT + LABEL_SPACE,
        bars=bars,
        baseline=CHART_HEIGHT,
        label_y=CHART_HEIGHT + LABEL_SPACE - 4,
        included_y=CHART_HEIGHT - height(included) if included else None,
        projected=ahead,
        summary=f"{metric['name']} in the last {len(bars)} periods: "
        + ", ".join(f"{b.label} {h['used']} {unit}" for b, h in zip(bars, history, strict=True)),
    )
