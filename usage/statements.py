"""Partner statements: what a partner's services earned in a month, and the partner's share of it.

A partner offering (``ProductOffering.revenue_share`` and ``partner_channel`` set) earns, per month:

- its rated usage: the amount (after service-level credits, before tax) of every billing period of its
  products that starts in the month (``usage.models.Consumption``);
- its recurring charges: for every product of it in service during some of the month, one month of the
  monthly charges agreed for it (``HeldProduct.price``), or of its offering's monthly price when none
  was agreed (charges of other periods are not apportioned to months: they are left out).

The partner's share is ``revenue_share`` percent of the two, rounded per currency by the pricing engine.
A statement is one SQL aggregate over the stored rows, whatever their number. Only the partner's own
channel applications read it (holding usage:read), and supervisors every partner's.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from catalog.pricing import round_money
from overlay.principal import Principal
from usage.periods import at_midnight, next_period_start

READ_SCOPE = "usage:read"
# Staff who see the channel applications (supervisors) see what every partner earns.
ALL_PARTNERS_PERMISSION = "overlay.view_apiclient"
ALL = ""
HUNDRED = Decimal(100)
DEFAULT_CURRENCY = "EUR"
ZERO = Decimal(0)
# Products never in service: nothing is charged for them.
NEVER_ACTIVE = ("created", "pendingActive", "cancelled", "aborted")


def statement_reader(principal: Principal | None) -> str | None:
    """Whose statements a principal reads: a partner channel's code (its applications), ``ALL``
    (supervisors), or None (nobody's: customers, other staff, applications without usage:read)."""
    if principal is None or principal.customer_id is not None or not principal.has_scope(READ_SCOPE):
        return None
    if principal.is_staff:
        return ALL if principal.user.has_perm(ALL_PARTNERS_PERMISSION) else None
    return principal.channel


@dataclass(frozen=True)
class StatementLine:
    """One partner offering's earnings in a month, in one currency."""

    offering_id: str
    offering_name: str
    partner: str  # the partner's channel code
    currency: str
    products: int  # products charged for: in service in the month, or with usage rated in it
    usage_amount: Decimal
    recurring_amount: Decimal
    share_percentage: Decimal

    @property
    def total(self) -> Decimal:
        return self.usage_amount + self.recurring_amount

    @property
    def partner_share(self) -> Decimal:
        return round_money(self.total * self.share_percentage / HUNDRED, self.currency)


@dataclass(frozen=True)
class StatementTotal:
    currency: str
    usage_amount: Decimal
    recurring_amount: Decimal
    total: Decimal
    partner_share: Decimal


@dataclass(frozen=True)
class Statement:
    month: date  # its first day
    end: date  # the first day of the next month
    lines: list[StatementLine]

    @property
    def partners(self) -> list[str]:
        return sorted({line.partner for line in self.lines})

    @property
    def totals(self) -> list[StatementTotal]:
        """Per currency, the sums of the lines (each line's share rounded first, as it is paid)."""
        found: dict[str, list[StatementLine]] = {}
        for line in self.lines:
            found.setdefault(line.currency, []).append(line)
        return [
            StatementTotal(
                currency,
                sum((line.usage_amount for line in lines), ZERO),
                sum((line.recurring_amount for line in lines), ZERO),
                sum((line.total for line in lines), ZERO),
                sum((line.partner_share for line in lines), ZERO),
            )
            for currency, lines in sorted(found.items())
        ]


def partner_statement(principal: Principal | None, month: date, partner: str = ALL) -> Statement | None:
    """The month's statement of the partner offerings ``principal`` may read (narrowed to ``partner``'s
    when given); None when it may read none. Every offering of the partner has its line, even at zero."""
    reader = statement_reader(principal)
    if reader is None:
        return None
    month = month.replace(day=1)
    end = next_period_start(month)
    if reader != ALL and partner not in (ALL, reader):
        return Statement(month, end, [])  # another partner's: nothing of it is theirs to read
    return Statement(month, end, _lines(reader or partner, month, end))


# One aggregate: the partner's offerings, their products' rated usage for periods starting in the month,
# and one month of recurring charges for each product in service in it (agreed, else the offering's).
STATEMENT_SQL = """
WITH partner_offering AS (
    SELECT o.id, o.name, c.code AS partner, o.revenue_share
    FROM catalog_productoffering o
    JOIN catalog_channel c ON c.id = o.partner_channel_id
    WHERE o.revenue_share IS NOT NULL AND (%(partner)s = '' OR c.code = %(partner)s)
),
rated AS (
    SELECT p.offering_id, u.currency, u.product_id, u.amount AS usage_amount, 0 AS recurring_amount
    FROM usage_consumption u
    JOIN customers_heldproduct p ON p.id = u.product_id
    WHERE u.period_start >= %(month)s AND u.period_start < %(end)s AND u.currency <> ''
      AND p.offering_id IN (SELECT id FROM partner_offering)
),
recurring AS (
    SELECT p.offering_id, charge.currency, p.id AS product_id, 0 AS usage_amount, charge.amount AS recurring_amount
    FROM customers_heldproduct p
    CROSS JOIN LATERAL (
        SELECT agreed.value ->> 'currency' AS currency, SUM((agreed.value ->> 'amount')::numeric) AS amount
        FROM jsonb_array_elements(
            CASE WHEN jsonb_typeof(p.price) = 'array' THEN p.price ELSE '[]'::jsonb END
        ) AS agreed
        WHERE agreed.value ->> 'price_type' = 'recurring' AND COALESCE(agreed.value ->> 'period', 'month') = 'month'
        GROUP BY 1
        UNION ALL
        (
            SELECT tariff.currency, tariff.amount
            FROM catalog_productofferingprice tariff
            WHERE (CASE WHEN jsonb_typeof(p.price) = 'array' THEN jsonb_array_length(p.price) ELSE 0 END) = 0
              AND tariff.offering_id = p.offering_id AND tariff.price_type = 'recurring'
              AND tariff.recurring_period = 'month' AND tariff.recurring_period_length = 1
              AND tariff.char_name = '' AND tariff.amount IS NOT NULL AND tariff.lifecycle_status <> 'Retired'
              AND (tariff.valid_from IS NULL OR tariff.valid_from < %(end_at)s)
              AND (tariff.valid_to IS NULL OR tariff.valid_to > %(month_at)s)
            ORDER BY tariff.valid_from DESC NULLS LAST
            LIMIT 1
        )
    ) AS charge
    WHERE p.offering_id IN (SELECT id FROM partner_offering)
      AND p.status <> ALL(%(never_active)s)
      AND (p.start_date IS NULL OR p.start_date < %(end_at)s)
      AND (p.termination_date IS NULL OR p.termination_date >= %(month_at)s)
      AND NOT (p.status = 'terminated' AND p.termination_date IS NULL)
),
earned AS (
    SELECT * FROM rated
    UNION ALL
    SELECT * FROM recurring
)
SELECT o.id, o.name, o.partner, o.revenue_share, e.currency,
       COUNT(DISTINCT e.product_id), COALESCE(SUM(e.usage_amount), 0), COALESCE(SUM(e.recurring_amount), 0)
FROM partner_offering o
LEFT JOIN earned e ON e.offering_id = o.id
GROUP BY o.id, o.name, o.partner, o.revenue_share, e.currency
ORDER BY o.partner, o.name, o.id, e.currency
"""


def _lines(partner: str, month: date, end: date) -> list[StatementLine]:
    params = {
        "partner": partner,
        "month": month,
        "end": end,
        "month_at": at_midnight(month),
        "end_at": at_midnight(end),
        "never_active": list(NEVER_ACTIVE),
    }
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT_SQL, params)
        rows = cursor.fetchall()
    return [
        StatementLine(
            offering_id,
            name,
            code,
            currency or DEFAULT_CURRENCY,
            products,
            Decimal(usage_amount),
            Decimal(recurring_amount),
            share,
        )
        for offering_id, name, code, share, currency, products, usage_amount, recurring_amount in rows
    ]
