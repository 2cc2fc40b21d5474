"""Right-sizing: the offering that would have cost the customer least on their own last periods' usage,
eligible for them, deliverable at their address and sold through the caller's channel."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cart.models import CartItem, ShoppingCart
from cart.rightsizing import ProposalGone, plan_change_start, rightsizing_proposals
from catalog.models import OfferingRule
from customers.models import Interaction
from overlay.principal import ClientUser, principal_for
from overlay.services import roles_ensure
from tests.addresses import VDSL_ONLY, postcode_where
from tests.factories.catalog import OfferingFactory, PriceFactory
from tests.factories.customers import CustomerFactory
from tests.factories.rightsizing import holding, home_plans, last_periods, mobile_plans, usage_plan, used
from tests.factories.usage import MetricFactory, at, ingest, record

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    roles_ensure()
    user = get_user_model().objects.create_user(username="rs-agent", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="agent"))
    return principal_for(user)


@pytest.fixture
def plans(channels):
    return mobile_plans([channels["callcentre"], channels["web"]])


@pytest.fixture
def customer(db):
    return CustomerFactory(postcode="1011AB", house_number="1", segment="consumer")


def cheapest_plan(name, plans, channel):
    """5.00 a month with 50 GB included: the cheapest of the category for anyone."""
    data = MetricFactory(code="data")
    return usage_plan(
        name, "5.00", 50000, [(0, None, "0.001")], category=plans.category, channels=[channel], metric=data
    )


def proposals(principal, customer):
    return rightsizing_proposals(principal, customer, at=timezone.now())


def test_a_heavy_user_on_a_small_plan_paying_tiers_is_proposed_the_plan_with_more_included(agent, plans, customer):
    product = holding(customer, plans.small)
    used(product, [12000, 15000, 18000])
    [proposal] = proposals(agent, customer)
    # On Mobile S: 10.00 + 5000 MB at 0.01 and the rest at 0.008 above the 1000 included: 108, 132, 156.
    # On Mobile M: 15.00 + 0.01 above 5000: 85, 115, 145. On Mobile L all of it is included: 25.
    assert (proposal.product_id, proposal.offering_id) == (product.pk, plans.large.pk)
    assert (proposal.current_cost, proposal.proposed_cost, proposal.saving) == (D("132.00"), D("25.00"), D("107.00"))
    assert proposal.summary() == "Save 107.00 EUR per month with Mobile L"
    starts = last_periods(3)
    assert [(p.start, p.usage, p.current, p.proposed) for p in proposal.periods] == [
        (starts[0], (("data", D(12000), "MB"),), D("108.00"), D("25.00")),
        (starts[1], (("data", D(15000), "MB"),), D("132.00"), D("25.00")),
        (starts[2], (("data", D(18000), "MB"),), D("156.00"), D("25.00")),
    ]
    assert "Mobile S 132.00 vs Mobile L 25.00 EUR a month before tax" in proposal.figures()


def test_a_light_user_on_a_big_plan_is_proposed_the_smaller_one(agent, plans, customer):
    product = holding(customer, plans.large)
    used(product, [300, 500, 400])
    [proposal] = proposals(agent, customer)
    assert (proposal.offering_id, proposal.current_cost, proposal.proposed_cost) == (
        plans.small.pk,
        D("25.00"),
        D("10.00"),
    )


def test_no_proposal_when_the_current_plan_is_the_cheapest_or_saves_less_than_the_threshold(agent, plans, customer):
    suited = holding(customer, plans.medium)
    used(suited, [4000, 4500, 3000])  # M 15.00; S 40.00 to 45.00; L 25.00
    nearly = holding(customer, plans.medium)
    used(nearly, [1450, 1450, 1450])  # S: 10.00 + 450 x 0.01 = 14.50, half a euro less than M
    assert proposals(agent, customer) == []
    assert [p.product_id for p in rightsizing_proposals(agent, customer, at=timezone.now(), threshold=D("0.50"))] == [
        nearly.pk
    ]


def test_what_exists_counts_and_the_current_period_does_not(agent, plans, customer):
    product = holding(customer, plans.small)
    used(product, [15000])  # one complete period only
    # Heavy use in the period still running changes nothing: it is not over.
    ingest([record(f"{product.pk}-now", product, quantity=90000, start=timezone.now())])
    [proposal] = proposals(agent, customer)
    assert [p.start for p in proposal.periods] == last_periods(1)
    assert (proposal.current_cost, proposal.proposed_cost) == (D("132.00"), D("25.00"))


def test_no_usage_no_proposal_and_products_without_offering_are_skipped(agent, plans, customer):
    holding(customer, plans.small)
    other = holding(customer, plans.small)
    other.offering = None
    other.save()
    used(other, [15000, 15000, 15000])
    assert proposals(agent, customer) == []


def test_an_ineligible_offering_is_never_proposed(agent, plans, customer, channels):
    """The cheapest offering is for business customers only (an offering rule): a consumer never gets it."""
    business = cheapest_plan("Business XS", plans, channels["callcentre"])
    OfferingRule.objects.create(offering=business, kind="segment", value="business")
    product = holding(customer, plans.small)
    used(product, [15000, 15000, 15000])
    assert proposals(agent, customer)[0].offering_id == plans.large.pk
    customer.segment = "business"
    customer.save()
    assert proposals(agent, customer)[0].offering_id == business.pk


def test_an_offering_not_sold_through_the_callers_channel_is_never_proposed(agent, plans, customer, channels):
    web_only = cheapest_plan("Web XS", plans, channels["web"])
    product = holding(customer, plans.small)
    used(product, [15000, 15000, 15000])
    assert proposals(agent, customer)[0].offering_id == plans.large.pk
    web_app = principal_for(ClientUser(1, "web-app", "web", frozenset({"customers:read", "usage:read"})))
    assert proposals(web_app, customer)[0].offering_id == web_only.pk


def test_an_offering_that_does_not_price_what_the_customer_used_is_not_proposed(agent, plans, customer, channels):
    """A plan without a price for data costs nothing for data only as far as we know: it is no candidate."""
    usage_plan(
        "Voice only",
        "3.00",
        100,
        [(0, None, "0.10")],
        category=plans.category,
        channels=[channels["callcentre"]],
        metric=MetricFactory(code="voice", unit="min"),
    )
    product = holding(customer, plans.small)
    used(product, [15000, 15000, 15000])
    assert proposals(agent, customer)[0].offering_id == plans.large.pk


def test_only_callers_who_may_read_usage_get_proposals(plans, customer):
    product = holding(customer, plans.small)
    used(product, [15000, 15000, 15000])
    no_usage = principal_for(ClientUser(1, "cc-app", "callcentre", frozenset({"customers:read"})))
    assert proposals(no_usage, customer) == []


def test_an_offering_the_address_cannot_get_is_never_proposed(agent, customer, channels, systems):
    """A heavy caller on a VDSL line: fibre with calls included is cheapest, but only VDSL reaches them."""
    home = home_plans([channels["callcentre"]])
    customer.postcode = postcode_where(**VDSL_ONLY)
    customer.save()
    product = holding(customer, home.vdsl, system="fixed")
    used(product, [600, 600, 600], metric="voice", system="fixed")
    [proposal] = proposals(agent, customer)
    assert (proposal.offering_id, proposal.current_cost, proposal.proposed_cost) == (
        home.vdsl_talk.pk,
        D("80.00"),
        D("35.00"),
    )
    assert home.fibre_talk.pk not in {p.offering_id for p in proposals(agent, customer)}


# --- starting the plan change ------------------------------------------------------------------
def test_starting_the_plan_change_makes_a_cart_modifying_the_held_product(agent, plans, customer):
    product = holding(customer, plans.small)
    used(product, [15000, 15000, 15000])
    cart = plan_change_start(agent, customer, product.pk, plans.large.pk)
    [item] = cart.items.all()
    assert (item.action, item.held_product_id, item.offering_id, item.quantity) == (
        CartItem.Action.MODIFY,
        product.pk,
        plans.large.pk,
        1,
    )
    assert (cart.customer_id, cart.channel, cart.status) == (customer.pk, "callcentre", ShoppingCart.Status.OPEN)
    recorded = Interaction.objects.get(customer=customer, kind="plan change")
    assert recorded.actor == "agent:rs-agent" and "Save 107.00 EUR per month with Mobile L" in recorded.summary
    # Started again: the cart already changes that product, nothing more is added.
    assert plan_change_start(agent, customer, product.pk, plans.large.pk).pk == cart.pk
    assert cart.items.count() == 1


def test_the_plan_change_joins_the_customers_open_cart(agent, plans, customer):
    from cart.services import cart_create
    from orchestration.lines import ItemInput

    open_cart, _ = cart_create(agent, customer=customer, items=[ItemInput(offering_id=plans.medium.pk)])
    product = holding(customer, plans.small)
    used(product, [15000, 15000, 15000])
    assert plan_change_start(agent, customer, product.pk, plans.large.pk).pk == open_cart.pk
    assert sorted(open_cart.items.values_list("action", flat=True)) == ["add", "modify"]


def test_a_plan_change_that_is_not_proposed_is_refused_and_writes_nothing(agent, plans, customer):
    product = holding(customer, plans.small)
    used(product, [15000, 15000, 15000])
    for offering in (plans.medium, plans.small):  # cheaper but not the cheapest; the current plan
        with pytest.raises(ProposalGone):
            plan_change_start(agent, customer, product.pk, offering.pk)
    with pytest.raises(ProposalGone):
        plan_change_start(agent, customer, "someone-elses", plans.large.pk)
    assert not ShoppingCart.objects.exists() and not Interaction.objects.filter(kind="plan change").exists()


def test_an_offering_without_monthly_charges_is_no_plan_to_propose(agent, plans, customer, channels):
    """Unlimited data at 20.00: a SIM swap of the same category (a one-time charge) costs nothing a month."""
    unlimited = OfferingFactory(name="Mobile Unlimited", channels=[channels["callcentre"]], categories=[plans.category])
    PriceFactory(offering=unlimited, amount=D("20.00"))
    swap = OfferingFactory(name="SIM swap", channels=[channels["callcentre"]], categories=[plans.category])
    PriceFactory(offering=swap, price_type="oneTime", recurring_period="", amount=D("5.00"))
    product = holding(customer, unlimited)
    used(product, [15000, 15000, 15000])  # S 132.00, M 115.00, L 25.00 a month
    assert proposals(agent, customer) == []


def test_a_period_without_usage_counts_as_none_used_once_usage_began(agent, plans, customer):
    product = holding(customer, plans.small)
    first, _, last = last_periods(3)
    ingest([record(f"{product.pk}-1", product, quantity=15000, start=at(str(first), 10))])
    ingest([record(f"{product.pk}-2", product, quantity=15000, start=at(str(last), 10))])
    [proposal] = proposals(agent, customer)
    assert [(p.start, p.usage, p.current) for p in proposal.periods] == [
        (first, (("data", D(15000), "MB"),), D("132.00")),
        (last_periods(3)[1], (), D("10.00")),  # nothing used: Mobile S's monthly charge
        (last, (("data", D(15000), "MB"),), D("132.00")),
    ]
    assert (proposal.current_cost, proposal.proposed_cost) == (D("91.33"), D("25.00"))
