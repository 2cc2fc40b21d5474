"""The pricing engine: the only code in Overlay that computes a price.

It is pure: it works on a ``PricingData`` snapshot that
``catalog.selectors.pricing_data`` loads in a constant number of queries,
so the cart, checkout, orders and the quote API all price the same way.

Rules, in order, for every charge of every item:
1. The offering's prices valid at the pricing date, whose characteristic
   condition (if any) matches the chosen configuration, give the charges:
   one-time, recurring per period, usage (tiers: graduated or volume, after
   included units). A bundle is priced as its own prices plus its members'.
2. Alterations: the offering's (and its bundle's) discount prices always
   apply; of the campaigns valid for this channel, segment, date and offering
   (or its bundle), and for this price when a campaign names its prices, the
   one that takes most off applies; they do not stack. A charge never goes
   below zero. Every alteration says where it comes from (its reason starts
   with "discount", "bundle discount" or "campaign").
3. Tax per charge at the price's rate; amounts are rounded per currency,
   half up, per charge; totals are the sums of the rounded charges.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from catalog.errors import InvalidConfiguration, InvalidQuantity, UnknownOffering

CURRENCY_DECIMALS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_QUANTITY = 1000


def round_money(amount: Decimal, currency: str) -> Decimal:
    exponent = Decimal(1).scaleb(-CURRENCY_DECIMALS.get(currency, 2))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


# --- input ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PricingItem:
    offering_id: str
    quantity: int = 1
    characteristics: Mapping[str, str] = field(default_factory=dict)
    usage: Mapping[str, Decimal] = field(default_factory=dict)  # expected units per unit of measure
    members: Mapping[str, int] | None = None  # bundle member offering id -> count (None: defaults)


@dataclass(frozen=True)
class PricingContext:
    at: datetime
    channel: str | None = None
    segment: str | None = None
    portable: bool = False  # prices to carry to another channel: channel-bound campaigns left out


# --- the catalog as the engine sees it ----------------------------------------------
@dataclass(frozen=True)
class TierData:
    lower: Decimal
    upper: Decimal | None
    unit_amount: Decimal


@dataclass(frozen=True)
class PriceData:
    id: str
    name: str
    price_type: str
    amount: Decimal | None
    currency: str
    percentage: Decimal | None
    applies_to: str
    period: str
    unit_of_measure: str
    tiering: str
    included_units: Decimal
    tax_rate: Decimal
    char_name: str
    char_value: str
    tiers: tuple[TierData, ...] = ()
    metric: str = ""  # usage: the usage metric's code it charges for ("": by its unit of measure)
    sla_metric: str = ""  # outcome prices: the measured level behind a service-level credit
    sla_threshold: Decimal | None = None
    sla_credit_percentage: Decimal | None = None


@dataclass(frozen=True)
class CharacteristicData:
    name: str
    value_type: str
    configurable: bool
    min_cardinality: int
    regex: str
    values: tuple[str, ...]
    ranges: tuple[tuple[str, str], ...]
    default: str | None


@dataclass(frozen=True)
class MemberData:
    offering_id: str
    lower: int
    upper: int
    default: int


@dataclass(frozen=True)
class OfferingData:
    id: str
    name: str
    is_bundle: bool
    prices: tuple[PriceData, ...]
    characteristics: tuple[CharacteristicData, ...]
    members: tuple[MemberData, ...] = ()


@dataclass(frozen=True)
class CampaignData:
    id: int
    name: str
    kind: str  # percentage | amount
    value: Decimal
    applies_to: str
    channels: frozenset[str]
    segments: frozenset[str]
    offerings: frozenset[str]
    prices: frozenset[str] = frozenset()
    channel_bound: bool = False

    def targets(self, offering_ids: Sequence[str], price_id: str, context: PricingContext) -> bool:
        return (
            (not self.channels or context.channel in self.channels)
            and (not self.segments or context.segment in self.segments)
            and (not self.offerings or any(oid in self.offerings for oid in offering_ids))
            and (not self.prices or price_id in self.prices)
            and not (self.channel_bound and context.portable)
        )


@dataclass(frozen=True)
class PricingData:
    offerings: Mapping[str, OfferingData]
    campaigns: tuple[CampaignData, ...]


# --- output --------------------------------------------------------------------------
@dataclass(frozen=True)
class TierUse:
    lower: Decimal
    upper: Decimal | None
    units: Decimal
    unit_amount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class AppliedAlteration:
    name: str
    reason: str
    amount: Decimal  # negative: what it took off


@dataclass(frozen=True)
class Charge:
    price_id: str
    offering_id: str
    name: str
    price_type: str
    period: str
    unit_of_measure: str
    currency: str
    quantity: Decimal
    gross_amount: Decimal
    alterations: tuple[AppliedAlteration, ...]
    amount: Decimal  # after alterations, before tax
    tax_rate: Decimal
    tax_amount: Decimal
    total: Decimal  # with tax
    tiers: tuple[TierUse, ...] = ()
    unit_rates: tuple[TierData, ...] = ()


@dataclass(frozen=True)
class Total:
    price_type: str
    period: str
    currency: str
    amount: Decimal
    tax_amount: Decimal
    total: Decimal


@dataclass(frozen=True)
class ItemQuote:
    offering_id: str
    offering_name: str
    quantity: int
    characteristics: Mapping[str, str]
    charges: tuple[Charge, ...]
    totals: tuple[Total, ...]


@dataclass(frozen=True)
class Quote:
    items: tuple[ItemQuote, ...]
    totals: tuple[Total, ...]
    priced_at: datetime


# --- configuration ------------------------------------------------------------------
def _matches_type(value: str, value_type: str) -> bool:
    if value_type in ("number", "integer"):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return False
        return number.is_finite() and (value_type == "number" or number == number.to_integral_value())
    if value_type == "boolean":
        return value.lower() in ("true", "false")
    return True


def resolve_characteristics(offering: OfferingData, chosen: Mapping[str, str]) -> dict[str, str]:
    """Chosen values checked against the specification, with defaults filled in."""
    unknown = sorted(set(chosen) - {c.name for c in offering.characteristics})
    if unknown:
        raise InvalidConfiguration(f"'{offering.name}' has no option {', '.join(repr(n) for n in unknown)}.")
    resolved: dict[str, str] = {}
    for spec in offering.characteristics:
        value = chosen.get(spec.name)
        if value is None:
            if spec.default is not None:
                resolved[spec.name] = spec.default
            elif spec.min_cardinality > 0:
                raise InvalidConfiguration(f"Please choose the {spec.name} for '{offering.name}'.")
            continue
        value = str(value)
        if not spec.configurable and spec.default is not None and value != spec.default:
            raise InvalidConfiguration(f"The {spec.name} of '{offering.name}' cannot be changed.")
        if not _matches_type(value, spec.value_type):
            raise InvalidConfiguration(f"{spec.name} of '{offering.name}' must be a {spec.value_type}, not '{value}'.")
        allowed = value in spec.values or any(
            _matches_type(value, "number") and Decimal(low) <= Decimal(value) <= Decimal(high)
            for low, high in spec.ranges
        )
        if (spec.values or spec.ranges) and not allowed:
            choices = ", ".join(spec.values + tuple(f"{low}-{high}" for low, high in spec.ranges))
            raise InvalidConfiguration(
                f"'{value}' is not available as {spec.name} of '{offering.name}'; choose one of: {choices}."
            )
        if spec.regex and not spec.values and not re.fullmatch(spec.regex, value):
            raise InvalidConfiguration(f"'{value}' is not a valid {spec.name} for '{offering.name}'.")
        resolved[spec.name] = value
    return resolved


# --- charges ------------------------------------------------------------------------
def usage_cost(price: PriceData, units: Decimal) -> tuple[Decimal, tuple[TierUse, ...]]:
    """Cost of ``units`` of usage on one usage price, before rounding, with the tiers used."""
    if units < 0:
        raise InvalidQuantity("Usage cannot be negative.")
    billable = max(units - price.included_units, ZERO)
    if not price.tiers:
        return billable * (price.amount or ZERO), ()
    if price.tiering == "volume":
        # Every unit at the rate of the tier the total falls in.
        tier = next(
            (t for t in price.tiers if t.lower <= billable and (t.upper is None or billable < t.upper)),
            price.tiers[-1],
        )
        amount = billable * tier.unit_amount
        return amount, (TierUse(tier.lower, tier.upper, billable, tier.unit_amount, amount),)
    used = []
    total = ZERO
    for tier in price.tiers:
        if billable <= tier.lower:
            break
        top = billable if tier.upper is None else min(billable, tier.upper)
        units_here = top - tier.lower
        amount = units_here * tier.unit_amount
        used.append(TierUse(tier.lower, tier.upper, units_here, tier.unit_amount, amount))
        total += amount
    return total, tuple(used)


def _alterations(
    gross: Decimal,
    price: PriceData,
    quantity: Decimal,
    scope: Sequence[OfferingData],
    data: PricingData,
    context: PricingContext,
) -> tuple[AppliedAlteration, ...]:
    applied: list[AppliedAlteration] = []
    remaining = gross
    for owner in scope:
        for discount in owner.prices:
            if discount.price_type != "discount" or (discount.applies_to or "recurring") != price.price_type:
                continue
            cut = _cut(remaining, discount.percentage, discount.amount, quantity)
            if cut:
                what = f"{_plain(discount.percentage)}% off" if discount.percentage is not None else "amount off"
                source = "bundle discount" if owner.is_bundle and owner is not scope[0] else "discount"
                applied.append(AppliedAlteration(discount.name, f"{source}: {what} ({owner.name})", -cut))
                remaining -= cut
    scope_ids = [o.id for o in scope]
    best: tuple[Decimal, CampaignData] | None = None
    for campaign in data.campaigns:
        if campaign.applies_to != price.price_type or not campaign.targets(scope_ids, price.id, context):
            continue
        percentage = campaign.value if campaign.kind == "percentage" else None
        amount = campaign.value if campaign.kind == "amount" else None
        cut = _cut(remaining, percentage, amount, quantity)
        if cut and (best is None or cut > best[0]):
            best = (cut, campaign)
    if best:
        cut, campaign = best
        applied.append(AppliedAlteration(campaign.name, f"campaign: {_campaign_reason(campaign)}", -cut))
    return tuple(applied)


def _cut(base: Decimal, percentage: Decimal | None, amount: Decimal | None, quantity: Decimal) -> Decimal:
    if base <= 0:
        return ZERO
    if percentage is not None:
        return min(base, base * percentage / HUNDRED)
    if amount is not None:
        return min(base, amount * quantity)
    return ZERO


def _plain(number: Decimal) -> str:
    """10.0000 as 10, 12.50 as 12.5 (as a person writes a percentage)."""
    return f"{number.normalize():f}"


def explain(charge: Charge) -> str:
    """Why a charge costs what it costs, in one line an agent can read out: the base price (with the
    quantity when more than one), each alteration with its source and amount, and what remains."""
    unit = "" if charge.quantity == 1 else f" ({_plain(charge.quantity)} x)"
    steps = [f"base price {charge.gross_amount} {charge.currency}{unit}"]
    steps += [f"{a.reason} [{a.name}] {a.amount:+} {charge.currency}" for a in charge.alterations if a.amount]
    steps += [a.reason for a in charge.alterations if not a.amount]  # notes, such as a price promised elsewhere
    return "; ".join(steps) + f" = {charge.amount} {charge.currency} before tax"


def _campaign_reason(campaign: CampaignData) -> str:
    value = _plain(campaign.value)
    what = f"{value}% off" if campaign.kind == "percentage" else f"{value} off"
    limits = []
    if campaign.channels:
        limits.append("channel " + "/".join(sorted(campaign.channels)))
    if campaign.segments:
        limits.append("segment " + "/".join(sorted(campaign.segments)))
    return what + (f" for {', '.join(limits)}" if limits else "")


def _charge(
    price: PriceData,
    offering: OfferingData,
    quantity: int,
    usage: Mapping[str, Decimal],
    scope: Sequence[OfferingData],
    data: PricingData,
    context: PricingContext,
) -> Charge:
    qty = Decimal(quantity)
    tiers: tuple[TierUse, ...] = ()
    if price.price_type == "usage":
        # Expected usage is given by unit of measure (an estimate) or by the price's metric (actual usage).
        units = Decimal(usage.get(price.metric) or usage.get(price.unit_of_measure, ZERO))
        per_unit, tiers = usage_cost(price, units)
        gross = per_unit * qty
    else:
        gross = (price.amount or ZERO) * qty
    alterations = _alterations(gross, price, qty, scope, data, context)
    currency = price.currency
    gross = round_money(gross, currency)
    rounded_alterations = tuple(
        AppliedAlteration(a.name, a.reason, round_money(a.amount, currency)) for a in alterations
    )
    amount = max(gross + sum((a.amount for a in rounded_alterations), ZERO), ZERO)
    tax = round_money(amount * price.tax_rate / HUNDRED, currency)
    return Charge(
        price_id=price.id,
        offering_id=offering.id,
        name=price.name,
        price_type=price.price_type,
        period=price.period if price.price_type == "recurring" else "",
        unit_of_measure=price.unit_of_measure,
        currency=currency,
        quantity=qty,
        gross_amount=gross,
        alterations=rounded_alterations,
        amount=amount,
        tax_rate=price.tax_rate,
        tax_amount=tax,
        total=amount + tax,
        tiers=tuple(
            TierUse(t.lower, t.upper, t.units, t.unit_amount, round_money(t.amount * qty, currency)) for t in tiers
        ),
        unit_rates=price.tiers
        or ((TierData(price.included_units, None, price.amount or ZERO),) if price.price_type == "usage" else ()),
    )


def _applicable_prices(offering: OfferingData, characteristics: Mapping[str, str]):
    for price in offering.prices:
        if price.price_type == "discount":
            continue
        if price.char_name and characteristics.get(price.char_name) != price.char_value:
            continue
        yield price


def totals_of(charges: Sequence[Charge]) -> tuple[Total, ...]:
    sums: dict[tuple[str, str, str], list[Decimal]] = {}
    for charge in charges:
        key = (charge.price_type, charge.period, charge.currency)
        bucket = sums.setdefault(key, [ZERO, ZERO])
        bucket[0] += charge.amount
        bucket[1] += charge.tax_amount
    order = {"oneTime": 0, "recurring": 1, "usage": 2}
    return tuple(
        Total(price_type, period, currency, amount, tax, amount + tax)
        for (price_type, period, currency), (amount, tax) in sorted(sums.items(), key=lambda kv: order[kv[0][0]])
    )


def _bundle_counts(offering: OfferingData, chosen: Mapping[str, int] | None) -> list[tuple[MemberData, int]]:
    known = {m.offering_id: m for m in offering.members}
    chosen = chosen or {}
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise InvalidConfiguration(f"'{offering.name}' does not include {', '.join(unknown)}.")
    counts = []
    for member in offering.members:
        count = chosen.get(member.offering_id, member.default)
        if not member.lower <= count <= member.upper:
            raise InvalidConfiguration(
                f"'{offering.name}' takes between {member.lower} and {member.upper} of this member, not {count}."
            )
        counts.append((member, count))
    return counts


def _choices_for(offering: OfferingData, chosen: Mapping[str, str]) -> dict[str, str]:
    names = {c.name for c in offering.characteristics}
    return {name: value for name, value in chosen.items() if name in names}


def price_item(item: PricingItem, data: PricingData, context: PricingContext) -> ItemQuote:
    if not 1 <= item.quantity <= MAX_QUANTITY:
        raise InvalidQuantity(f"Quantity must be between 1 and {MAX_QUANTITY}, not {item.quantity}.")
    offering = data.offerings.get(item.offering_id)
    if offering is None:
        raise UnknownOffering(f"There is no product offering '{item.offering_id}' available here.")
    member_counts = _bundle_counts(offering, item.members) if offering.is_bundle else []
    parts = [offering] + [data.offerings[m.offering_id] for m, _ in member_counts if m.offering_id in data.offerings]
    # A bundle's choices go to whichever part defines them (the fibre member's installation address...).
    unknown = set(item.characteristics) - {c.name for part in parts for c in part.characteristics}
    if unknown:
        raise InvalidConfiguration(f"'{offering.name}' has no option {', '.join(repr(n) for n in sorted(unknown))}.")
    characteristics = resolve_characteristics(offering, _choices_for(offering, item.characteristics))
    charges = [
        _charge(price, offering, item.quantity, item.usage, (offering,), data, context)
        for price in _applicable_prices(offering, characteristics)
    ]
    for member, count in member_counts:
        member_offering = data.offerings.get(member.offering_id)
        if member_offering is not None and count:
            member_chars = resolve_characteristics(member_offering, _choices_for(member_offering, item.characteristics))
            characteristics.update(member_chars)
            charges.extend(
                _charge(
                    price,
                    member_offering,
                    item.quantity * count,
                    item.usage,
                    (member_offering, offering),
                    data,
                    context,
                )
                for price in _applicable_prices(member_offering, member_chars)
            )
    return ItemQuote(
        offering_id=offering.id,
        offering_name=offering.name,
        quantity=item.quantity,
        characteristics=characteristics,
        charges=tuple(charges),
        totals=totals_of(charges),
    )


def price_items(items: Sequence[PricingItem], data: PricingData, context: PricingContext) -> Quote:
    """Price a list of items in one context: per-item and total breakdowns."""
    quotes = tuple(price_item(item, data, context) for item in items)
    return Quote(
        items=quotes,
        totals=totals_of([charge for quote in quotes for charge in quote.charges]),
        priced_at=context.at,
    )


def estimate_usage(
    offering_id: str, units: Mapping[str, Decimal], data: PricingData, context: PricingContext
) -> ItemQuote:
    """What a given consumption costs on an offering ("what do 35 GB cost on this plan?")."""
    return price_item(PricingItem(offering_id, usage=units), data, context)


@dataclass(frozen=True)
class RatedUsage:
    """A billing period's usage of one metric on one product, rated: ``amount`` is after the
    service-level credit and before tax; included units and tiers ran over the whole period."""

    quantity: Decimal
    gross: Decimal
    credit: Decimal
    amount: Decimal
    tax: Decimal
    currency: str


def rate_usage(segments: Sequence[tuple[PriceData, Decimal]], level: Decimal | None = None) -> RatedUsage:
    """Rate a period's usage given as segments in time order, each the quantity used while one price
    applied (a changed price applies from its validity on). Included units and tiers count the period's
    cumulative quantity, so usage after a price change continues where the period stood. ``level``: the
    period's measured service level, for the last price's service-level credit.
    """
    used, gross = ZERO, ZERO
    for price, quantity in segments:
        before = usage_cost(price, used)[0]
        used += quantity
        gross += usage_cost(price, used)[0] - before
    last = segments[-1][0]
    currency = last.currency
    gross = round_money(gross, currency)
    credit = ZERO
    if (
        level is not None
        and last.sla_threshold is not None
        and last.sla_credit_percentage
        and level < last.sla_threshold
    ):
        credit = round_money(gross * last.sla_credit_percentage / HUNDRED, currency)
    amount = gross - credit
    return RatedUsage(used, gross, credit, amount, round_money(amount * last.tax_rate / HUNDRED, currency), currency)


def usage_amount_between(price: PriceData, before: Decimal, after: Decimal) -> Decimal:
    """What the units between two cumulative quantities of a period cost (one record's share), unrounded."""
    return usage_cost(price, after)[0] - usage_cost(price, before)[0]
