"""The pricing engine's rules, on hand-built catalog snapshots (no database)."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from catalog.errors import InvalidConfiguration, InvalidQuantity, UnknownOffering
from catalog.pricing import (
    CampaignData,
    CharacteristicData,
    MemberData,
    OfferingData,
    PriceData,
    PricingContext,
    PricingData,
    PricingItem,
    TierData,
    estimate_usage,
    explain,
    price_item,
    price_items,
    round_money,
)

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def price(pid="p", price_type="recurring", amount="10.00", **extra) -> PriceData:
    values = dict(
        id=pid,
        name=pid,
        price_type=price_type,
        amount=D(amount) if amount is not None else None,
        currency="EUR",
        percentage=None,
        applies_to="",
        period="month" if price_type == "recurring" else "",
        unit_of_measure="",
        tiering="",
        included_units=D(0),
        tax_rate=D(0),
        char_name="",
        char_value="",
        tiers=(),
    )
    values.update(extra)
    return PriceData(**values)


def offering(oid="o", prices=(), characteristics=(), members=(), is_bundle=False) -> OfferingData:
    return OfferingData(oid, f"Offer {oid}", is_bundle, tuple(prices), tuple(characteristics), tuple(members))


def catalog(*offerings, campaigns=()) -> PricingData:
    return PricingData({o.id: o for o in offerings}, tuple(campaigns))


def campaign(
    value="10",
    kind="percentage",
    applies_to="recurring",
    channels=(),
    segments=(),
    offerings=(),
    cid=1,
    prices=(),
    channel_bound=False,
):
    return CampaignData(
        cid,
        f"Campaign {cid}",
        kind,
        D(value),
        applies_to,
        frozenset(channels),
        frozenset(segments),
        frozenset(offerings),
        frozenset(prices),
        channel_bound,
    )


def ctx(channel="web", segment=None, portable=False) -> PricingContext:
    return PricingContext(at=NOW, channel=channel, segment=segment, portable=portable)


def only_charge(quote):
    (charge,) = quote.charges
    return charge


# --- charges, tax and rounding ---------------------------------------------------------
def test_recurring_and_one_time_charges_with_tax_and_totals():
    plan = offering(
        prices=[price("fee", amount="9.99", tax_rate=D(21)), price("sim", "oneTime", "10.00", tax_rate=D(21))]
    )
    quote = price_item(PricingItem("o", quantity=3), catalog(plan), ctx())
    fee, sim = quote.charges
    assert (fee.gross_amount, fee.amount, fee.tax_amount, fee.total) == (D("29.97"), D("29.97"), D("6.29"), D("36.26"))
    assert fee.period == "month" and sim.period == ""
    assert (sim.amount, sim.tax_amount) == (D("30.00"), D("6.30"))
    one_time, recurring = quote.totals
    assert (one_time.price_type, one_time.total) == ("oneTime", D("36.30"))
    assert (recurring.price_type, recurring.period, recurring.total) == ("recurring", "month", D("36.26"))


def test_rounding_is_half_up_per_currency():
    assert round_money(D("0.125"), "EUR") == D("0.13")
    assert round_money(D("0.124999"), "EUR") == D("0.12")
    assert round_money(D("1234.5"), "JPY") == D("1235")
    assert round_money(D("1.2345"), "KWD") == D("1.235")


def test_totals_are_the_sum_of_rounded_charges():
    plan = offering(prices=[price("a", amount="0.333", tax_rate=D(10)), price("b", amount="0.333", tax_rate=D(10))])
    quote = price_item(PricingItem("o"), catalog(plan), ctx())
    (total,) = quote.totals
    assert total.amount == sum(c.amount for c in quote.charges) == D("0.66")
    assert total.tax_amount == D("0.06")


# --- usage and tiers -----------------------------------------------------------------------
GRADUATED = (TierData(D(0), D(10), D("2.00")), TierData(D(10), D(50), D("1.00")), TierData(D(50), None, D("0.50")))
VOLUME = (TierData(D(0), D(5), D("3.00")), TierData(D(5), D(20), D("2.00")), TierData(D(20), None, D("1.50")))


def usage_offering(tiering, tiers, included="0"):
    usage = price("gb", "usage", None, unit_of_measure="GB", tiering=tiering, tiers=tiers, included_units=D(included))
    return offering(prices=[usage])


@pytest.mark.parametrize(
    "units,expected",
    [
        ("0", "0.00"),
        ("5", "10.00"),
        ("10", "20.00"),
        ("35", "45.00"),
        ("50", "60.00"),
        ("70", "70.00"),
        ("0.5", "1.00"),
    ],
)
def test_graduated_tiers_charge_each_unit_at_its_tiers_rate(units, expected):
    quote = estimate_usage("o", {"GB": D(units)}, catalog(usage_offering("graduated", GRADUATED)), ctx())
    assert only_charge(quote).amount == D(expected)


def test_graduated_tiers_report_the_units_in_each_tier():
    quote = estimate_usage("o", {"GB": D(35)}, catalog(usage_offering("graduated", GRADUATED)), ctx())
    used = [(t.lower, t.units, t.amount) for t in only_charge(quote).tiers]
    assert used == [(D(0), D(10), D("20.00")), (D(10), D(25), D("25.00"))]


@pytest.mark.parametrize(
    "units,expected",
    [("1", "0.00"), ("4", "9.00"), ("6", "10.00"), ("20", "38.00"), ("21", "30.00"), ("35", "51.00")],
)
def test_volume_tiers_charge_every_unit_at_the_tier_reached_after_included_units(units, expected):
    # 1 GB included: 21 GB means 20 billable units, all at the 20+ rate of 1.50.
    quote = estimate_usage("o", {"GB": D(units)}, catalog(usage_offering("volume", VOLUME, included="1")), ctx())
    assert only_charge(quote).amount == D(expected)


def test_flat_usage_rate_and_rates_shown_without_expected_usage():
    flat = offering(prices=[price("min", "usage", "0.05", unit_of_measure="minute")])
    charge = only_charge(price_item(PricingItem("o"), catalog(flat), ctx()))
    assert charge.amount == D("0.00")
    assert [(r.lower, r.unit_amount) for r in charge.unit_rates] == [(D(0), D("0.05"))]
    charge = only_charge(estimate_usage("o", {"minute": D(120)}, catalog(flat), ctx()))
    assert charge.amount == D("6.00")


def test_negative_usage_is_refused():
    with pytest.raises(InvalidQuantity):
        estimate_usage("o", {"GB": D(-1)}, catalog(usage_offering("graduated", GRADUATED)), ctx())


# --- alterations ----------------------------------------------------------------------------
def test_same_input_same_price_in_every_channel_without_a_channel_campaign():
    data = catalog(offering(prices=[price(amount="25.00")]), campaigns=[campaign("10")])
    prices = {ch: only_charge(price_item(PricingItem("o"), data, ctx(ch))).amount for ch in ("web", "mobile", "store")}
    assert set(prices.values()) == {D("22.50")}


def test_a_channel_campaign_prices_only_that_channel_differently():
    data = catalog(offering(prices=[price(amount="25.00")]), campaigns=[campaign("10", channels=["web"])])
    web = only_charge(price_item(PricingItem("o"), data, ctx("web")))
    mobile = only_charge(price_item(PricingItem("o"), data, ctx("mobile")))
    assert (web.amount, mobile.amount) == (D("22.50"), D("25.00"))
    assert web.alterations[0].reason == "campaign: 10% off for channel web"
    assert mobile.alterations == ()


def test_segment_and_offering_targeting():
    data = catalog(
        offering("a", prices=[price("pa", amount="20.00")]),
        offering("b", prices=[price("pb", amount="20.00")]),
        campaigns=[campaign("25", segments=["youth"], offerings=["a"])],
    )
    assert only_charge(price_item(PricingItem("a"), data, ctx(segment="youth"))).amount == D("15.00")
    assert only_charge(price_item(PricingItem("a"), data, ctx(segment="consumer"))).amount == D("20.00")
    assert only_charge(price_item(PricingItem("b"), data, ctx(segment="youth"))).amount == D("20.00")


def test_campaigns_do_not_stack_the_best_one_applies():
    data = catalog(
        offering(prices=[price(amount="30.00")]),
        campaigns=[campaign("10", cid=1), campaign("5.00", kind="amount", cid=2), campaign("20", cid=3)],
    )
    charge = only_charge(price_item(PricingItem("o"), data, ctx()))
    assert charge.amount == D("24.00")
    assert [a.name for a in charge.alterations] == ["Campaign 3"]


def test_amount_off_applies_per_unit_and_never_below_zero():
    data = catalog(offering(prices=[price(amount="3.00")]), campaigns=[campaign("5.00", kind="amount")])
    charge = only_charge(price_item(PricingItem("o", quantity=2), data, ctx()))
    assert (charge.gross_amount, charge.amount, charge.alterations[0].amount) == (D("6.00"), D("0.00"), D("-6.00"))


def test_campaign_only_touches_its_price_type():
    data = catalog(
        offering(prices=[price("fee", amount="20.00"), price("act", "oneTime", "49.00")]),
        campaigns=[campaign("100", applies_to="oneTime")],
    )
    fee, activation = price_item(PricingItem("o"), data, ctx()).charges
    assert (fee.amount, activation.amount) == (D("20.00"), D("0.00"))


def test_a_campaign_naming_prices_touches_only_those():
    # "Free activation" names the activation: the router bought with the line is paid in full.
    data = catalog(
        offering(prices=[price("act", "oneTime", "49.00"), price("router", "oneTime", "70.80")]),
        campaigns=[campaign("100", applies_to="oneTime", prices=["act"])],
    )
    activation, router = price_item(PricingItem("o"), data, ctx()).charges
    assert (activation.amount, router.amount) == (D("0.00"), D("70.80"))
    assert router.alterations == ()


def test_a_channel_bound_campaign_is_left_out_of_the_prices_a_hand_off_carries():
    data = catalog(
        offering(prices=[price(amount="25.00")]),
        campaigns=[campaign("10", channels=["web"], channel_bound=True, cid=1), campaign("4", channels=["web"], cid=2)],
    )
    here = only_charge(price_item(PricingItem("o"), data, ctx("web")))
    carried = only_charge(price_item(PricingItem("o"), data, ctx("web", portable=True)))
    assert (here.amount, carried.amount) == (D("22.50"), D("24.00"))
    assert [a.name for a in carried.alterations] == ["Campaign 2"]


def test_the_trail_explains_a_charge_from_its_base_price():
    discount = price("disc", "discount", None, percentage=D(50), applies_to="recurring")
    data = catalog(offering(prices=[price(amount="40.00"), discount]), campaigns=[campaign("10", channels=["web"])])
    charge = only_charge(price_item(PricingItem("o", quantity=2), data, ctx()))
    assert explain(charge) == (
        "base price 80.00 EUR (2 x); discount: 50% off (Offer o) [disc] -40.00 EUR; "
        "campaign: 10% off for channel web [Campaign 1] -4.00 EUR = 36.00 EUR before tax"
    )


def test_offering_discount_then_campaign_on_what_remains():
    discount = price("disc", "discount", None, percentage=D(50), applies_to="recurring")
    data = catalog(offering(prices=[price(amount="40.00"), discount]), campaigns=[campaign("10")])
    charge = only_charge(price_item(PricingItem("o"), data, ctx()))
    assert [a.amount for a in charge.alterations] == [D("-20.00"), D("-2.00")]
    assert charge.amount == D("18.00")


# --- bundles -------------------------------------------------------------------------------
def bundle_catalog(**campaign_kwargs):
    fibre = offering("fibre", prices=[price("fibre-fee", amount="40.00"), price("fibre-act", "oneTime", "49.00")])
    mobile = offering("mobile", prices=[price("mobile-fee", amount="25.00")])
    tv = offering("tv", prices=[price("tv-fee", amount="10.00")])
    bundle = offering(
        "bundle",
        prices=[price("bundle-disc", "discount", None, percentage=D(15), applies_to="recurring")],
        members=[MemberData("fibre", 1, 1, 1), MemberData("mobile", 1, 4, 1), MemberData("tv", 0, 1, 0)],
        is_bundle=True,
    )
    campaigns = [campaign(**campaign_kwargs)] if campaign_kwargs else []
    return catalog(fibre, mobile, tv, bundle, campaigns=campaigns)


def test_bundle_is_priced_as_its_members_with_the_bundle_discount():
    quote = price_item(PricingItem("bundle"), bundle_catalog(), ctx())
    by_price = {c.price_id: c for c in quote.charges}
    assert set(by_price) == {"fibre-fee", "fibre-act", "mobile-fee"}  # tv defaults to 0
    assert by_price["fibre-fee"].amount == D("34.00")
    assert by_price["mobile-fee"].amount == D("21.25")
    assert by_price["fibre-act"].amount == D("49.00")  # the discount is on recurring charges only
    recurring = next(t for t in quote.totals if t.price_type == "recurring")
    assert recurring.amount == D("55.25")


def test_bundle_member_counts_within_cardinality():
    quote = price_item(PricingItem("bundle", members={"mobile": 3, "tv": 1}), bundle_catalog(), ctx())
    mobile = next(c for c in quote.charges if c.price_id == "mobile-fee")
    assert (mobile.quantity, mobile.amount) == (D(3), D("63.75"))
    assert any(c.price_id == "tv-fee" for c in quote.charges)


@pytest.mark.parametrize("members", [{"mobile": 5}, {"fibre": 0}, {"tv": 2}, {"unknown": 1}])
def test_bundle_members_outside_cardinality_are_refused(members):
    with pytest.raises(InvalidConfiguration):
        price_item(PricingItem("bundle", members=members), bundle_catalog(), ctx())


def test_campaign_on_the_bundle_reaches_its_members():
    quote = price_item(PricingItem("bundle"), bundle_catalog(value="10", offerings=["bundle"]), ctx())
    fibre = next(c for c in quote.charges if c.price_id == "fibre-fee")
    assert [a.amount for a in fibre.alterations] == [D("-6.00"), D("-3.40")]


# --- configuration ---------------------------------------------------------------------------
STORAGE = CharacteristicData("Storage", "string", True, 0, "", ("128GB", "256GB"), (), "128GB")
ADDRESS = CharacteristicData("Address", "string", True, 1, r".{5,}", (), (), None)
SPEED = CharacteristicData("Speed", "number", True, 0, "", (), (("10", "1000"),), None)


def phone():
    return offering(
        "phone",
        prices=[
            price("p128", "oneTime", "699.00", char_name="Storage", char_value="128GB"),
            price("p256", "oneTime", "799.00", char_name="Storage", char_value="256GB"),
        ],
        characteristics=[STORAGE],
    )


def test_the_price_follows_the_chosen_characteristic_and_defaults_fill_in():
    data = catalog(phone())
    default = price_item(PricingItem("phone"), data, ctx())
    assert (default.characteristics["Storage"], only_charge(default).amount) == ("128GB", D("699.00"))
    chosen = price_item(PricingItem("phone", characteristics={"Storage": "256GB"}), data, ctx())
    assert only_charge(chosen).amount == D("799.00")


@pytest.mark.parametrize(
    "chars,message",
    [
        ({"Storage": "1TB"}, "'1TB' is not available as Storage"),
        ({"Colour": "red"}, "has no option 'Colour'"),
    ],
)
def test_invalid_characteristics_are_explained(chars, message):
    with pytest.raises(InvalidConfiguration, match=message):
        price_item(PricingItem("phone", characteristics=chars), catalog(phone()), ctx())


def test_required_regex_and_range_characteristics():
    line = offering("line", prices=[price()], characteristics=[ADDRESS, SPEED])
    data = catalog(line)
    with pytest.raises(InvalidConfiguration, match="Please choose the Address"):
        price_item(PricingItem("line"), data, ctx())
    with pytest.raises(InvalidConfiguration, match="not a valid Address"):
        price_item(PricingItem("line", characteristics={"Address": "x"}), data, ctx())
    with pytest.raises(InvalidConfiguration, match="must be a number"):
        price_item(PricingItem("line", characteristics={"Address": "1 Main St", "Speed": "fast"}), data, ctx())
    with pytest.raises(InvalidConfiguration, match="not available"):
        price_item(PricingItem("line", characteristics={"Address": "1 Main St", "Speed": "5000"}), data, ctx())
    ok = price_item(PricingItem("line", characteristics={"Address": "1 Main St", "Speed": "500"}), data, ctx())
    assert ok.characteristics == {"Address": "1 Main St", "Speed": "500"}


def test_bundle_choices_reach_the_member_that_defines_them():
    line = offering("line", prices=[price()], characteristics=[ADDRESS])
    bundle = offering("b", members=[MemberData("line", 1, 1, 1)], is_bundle=True)
    quote = price_item(PricingItem("b", characteristics={"Address": "1 Main St"}), catalog(line, bundle), ctx())
    assert quote.characteristics == {"Address": "1 Main St"}
    with pytest.raises(InvalidConfiguration):
        price_item(PricingItem("b"), catalog(line, bundle), ctx())


# --- items -------------------------------------------------------------------------------------
@pytest.mark.parametrize("quantity", [0, -1, 1001])
def test_quantity_bounds(quantity):
    with pytest.raises(InvalidQuantity):
        price_item(PricingItem("o", quantity=quantity), catalog(offering(prices=[price()])), ctx())


def test_unknown_offering():
    with pytest.raises(UnknownOffering):
        price_items([PricingItem("nope")], catalog(), ctx())


def test_cart_totals_add_up_across_items():
    data = catalog(
        offering("a", prices=[price("pa", amount="10.00")]), offering("b", prices=[price("pb", amount="5.50")])
    )
    quote = price_items([PricingItem("a"), PricingItem("b", quantity=2)], data, ctx())
    (total,) = quote.totals
    assert total.amount == D("21.00")
