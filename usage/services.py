"""Changing what watches a product's usage: the spend cap its customer sets (bill shock).

Each change is recorded as the customer's interaction. A cap set under what the current period has
already cost raises its alert at once (once per period, as every threshold): the period is checked
again in the same transaction (``usage.rating.rate_periods``).
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalog.selectors import prices_data, usage_price_refs
from customers.models import HeldProduct
from customers.services import Actor, interaction_record
from overlay.errors import UnprocessableEntity
from usage.models import Consumption, SpendCap
from usage.rating import rate_periods

DEFAULT_CURRENCY = "EUR"
CENT = Decimal("0.01")
MAX_CAP = Decimal("1e10")  # what SpendCap.amount holds (14 digits, 4 of them decimals)


def spend_cap_currencies(product: HeldProduct) -> set[str]:
    """The currencies a cap on ``product`` may be in: its usage prices' (EUR when it has none)."""
    refs = usage_price_refs({product.offering_id} - {None})
    currencies = {p.currency for p in prices_data({r.price_id for rs in refs.values() for r in rs}).values()}
    return currencies or {DEFAULT_CURRENCY}


def spend_cap_check(product: HeldProduct, value: Decimal, currency: str) -> None:
    """Refuse a cap that is not a positive amount of at most 2 decimals in a currency of the product."""
    if not value.is_finite() or value <= 0:
        raise UnprocessableEntity("a spend cap is an amount above 0.", field="amount.value")
    if value >= MAX_CAP:
        raise UnprocessableEntity(f"a spend cap is below {MAX_CAP:f}.", field="amount.value")
    if value != value.quantize(CENT):
        raise UnprocessableEntity("a spend cap has at most 2 decimals.", field="amount.value")
    allowed = spend_cap_currencies(product)
    if currency not in allowed:
        raise UnprocessableEntity(
            f"'{currency}' is not the currency of this product's usage; use {', '.join(sorted(allowed))}.",
            field="amount.unit",
        )


def spend_cap_set(product: HeldProduct, *, value: Decimal, currency: str, actor: Actor) -> tuple[SpendCap, bool]:
    """Set (or replace) the most the customer wants to spend on ``product``'s usage in a period; whether
    it is new. The current period is checked against it at once: a cap under what it already cost raises
    its alert (once)."""
    spend_cap_check(product, value, currency)
    with transaction.atomic():
        HeldProduct.objects.select_for_update().filter(pk=product.pk).first()  # one change at a time
        cap, created = SpendCap.objects.update_or_create(
            product=product, defaults={"amount": value.quantize(CENT), "currency": currency, "set_by": actor.name[:200]}
        )
        _recorded(product, actor, f"spend cap {'set' if created else 'changed'} to {value:.2f} {currency} per period.")
        today = timezone.now().date()
        current = set(
            Consumption.objects.filter(product=product, period_start__lte=today, period_end__gt=today).values_list(
                "product_id", "period_start"
            )
        )
        rate_periods(current)
    return cap, created


def spend_cap_remove(product: HeldProduct, *, actor: Actor) -> bool:
    """Remove ``product``'s spend cap; whether there was one."""
    with transaction.atomic():
        HeldProduct.objects.select_for_update().filter(pk=product.pk).first()
        removed, _ = SpendCap.objects.filter(product=product).delete()
        if removed:
            _recorded(product, actor, "spend cap removed.")
    return bool(removed)


def _recorded(product: HeldProduct, actor: Actor, what: str) -> None:
    """The change in the customer's history, whoever made it (the customer, an application, an agent)."""
    interaction_record(
        customer_id=product.customer_id,
        channel=actor.channel,
        actor=actor.name,
        kind="spend-cap",
        summary=f"{product.name}: {what}",
    )
