"""Right-sizing in the 360° (its next best offers) and the agent console's "Start plan change"."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from cart.models import CartItem, ShoppingCart
from customers.models import Interaction
from overlay.services import roles_ensure
from tests.addresses import VDSL_ONLY, postcode_where
from tests.factories.customers import CustomerFactory
from tests.factories.rightsizing import holding, home_plans, last_periods, mobile_plans, used
from tests.tmf import queries_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(channels):
    return mobile_plans([channels["callcentre"]])


@pytest.fixture
def heavy(plans):
    """A customer on Mobile S using 12, 15 and 18 GB in the last three periods."""
    customer = CustomerFactory(given_name="Hanna", family_name="Heavy")
    product = holding(customer, plans.small)
    used(product, [12000, 15000, 18000])
    return customer, product


def url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/360"


def console(role: str) -> Client:
    roles_ensure()
    user = get_user_model().objects.create_user(username=f"{role}-rs", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def plan_change(customer, product) -> str:
    return reverse("admin:customer-console-plan-change", args=[customer.pk, product.pk])


def test_the_360s_next_best_offers_say_what_the_customer_would_save_with_the_figures(staff_client, plans, heavy):
    customer, product = heavy
    [offer] = staff_client("agent").get(url(customer)).json()["recommendedOffering"]
    starts = [start.isoformat() for start in last_periods(3)]
    assert offer["productOffering"]["id"] == plans.large.pk and offer["kind"] == "rightSizing"
    assert offer["reason"] == "Save 107.00 EUR per month with Mobile L"
    assert offer["product"]["id"] == product.pk and offer["product"]["href"].endswith(f"/product/{product.pk}")
    saving = offer["saving"]
    assert (saving["perMonth"], saving["currentCost"], saving["proposedCost"]) == (
        {"unit": "EUR", "value": 107},
        {"unit": "EUR", "value": 132},
        {"unit": "EUR", "value": 25},
    )
    assert saving["currentOffering"] == {"id": plans.small.pk, "name": "Mobile S"}
    assert [(p["start"], p["usage"], p["currentCost"]["value"]) for p in saving["period"]] == [
        (starts[0], [{"metric": "data", "quantity": 12000, "unit": "MB"}], 108),
        (starts[1], [{"metric": "data", "quantity": 15000, "unit": "MB"}], 132),
        (starts[2], [{"metric": "data", "quantity": 18000, "unit": "MB"}], 156),
    ]


def test_callers_who_may_not_read_usage_see_no_proposal(make_client, heavy):
    """The figures are the customer's usage: an application reading customers without usage:read gets none."""
    customer, _ = heavy
    app = make_client("callcentre", ("customers:read",))
    assert app.get(url(customer)).json()["recommendedOffering"] == []


@pytest.mark.parametrize("products", [2, 20])
def test_the_360s_queries_do_not_grow_with_the_products_and_their_proposals(
    staff_client, plans, products, django_assert_num_queries
):
    """Each product proposed something; the count of the two-product customer is the twenty-product one's."""
    app = staff_client("agent")

    def customer_with(count):
        customer = CustomerFactory(postcode="1011AB", house_number="1")
        for n in range(count):  # heavy users on the small plan, light ones on the large
            heavy = n % 2 == 0
            used(holding(customer, plans.small if heavy else plans.large), [15000 if heavy else 300] * 3)
        return customer

    baseline = customer_with(2)
    app.get(url(baseline))
    expected = queries_for(lambda: app.get(url(baseline)))
    customer = customer_with(products)
    app.get(url(customer))
    with django_assert_num_queries(expected):
        body = app.get(url(customer)).json()
    assert len([o for o in body["recommendedOffering"] if o["kind"] == "rightSizing"]) == products


def test_serviceability_is_asked_once_per_system_and_then_cached(staff_client, channels, simulator, systems):
    """Three lines at one address, every candidate needing the fixed stack: one question, then the cache's answer."""
    home = home_plans([channels["callcentre"]])
    customer = CustomerFactory(postcode=postcode_where(**VDSL_ONLY), house_number="1")
    for _ in range(3):
        used(holding(customer, home.vdsl, system="fixed"), [600, 600, 600], metric="voice", system="fixed")
    agent = staff_client("agent")
    before = simulator.stats().get("fixed", 0)
    offers = agent.get(url(customer)).json()["recommendedOffering"]
    assert [o["productOffering"]["name"] for o in offers] == ["VDSL 100 Talk"] * 3
    assert simulator.stats().get("fixed", 0) == before + 1
    agent.get(url(customer))
    assert simulator.stats().get("fixed", 0) == before + 1


def test_the_console_shows_the_proposal_and_starts_the_plan_change_in_a_cart(plans, heavy):
    customer, product = heavy
    agent = console("agent")
    page = agent.get(reverse("admin:customer-console-customer", args=[customer.pk])).content.decode()
    assert "Save 107.00 EUR per month with Mobile L" in page and "Start plan change" in page
    assert plan_change(customer, product) in page
    answer = agent.post(plan_change(customer, product), {"offering": plans.large.pk})
    cart = ShoppingCart.objects.get(customer=customer)
    assert answer.status_code == 302 and answer["Location"] == reverse("admin:cart-console-cart", args=[cart.pk])
    [item] = cart.items.all()
    assert (item.action, item.held_product_id, item.offering_id) == (CartItem.Action.MODIFY, product.pk, plans.large.pk)
    assert Interaction.objects.filter(customer=customer, kind="plan change", actor="agent:agent-rs").count() == 1
    cart_page = agent.get(answer["Location"]).content.decode()
    assert "Plan change started" in cart_page and "Mobile L" in cart_page


def test_a_plan_change_no_longer_proposed_is_refused_in_words_and_writes_nothing(plans, heavy):
    customer, product = heavy
    agent = console("agent")
    answer = agent.post(plan_change(customer, product), {"offering": plans.medium.pk}, follow=True)
    assert "no longer proposed" in answer.content.decode()
    assert answer.redirect_chain[-1][0] == reverse("admin:customer-console-customer", args=[customer.pk])
    assert not ShoppingCart.objects.exists() and not Interaction.objects.filter(kind="plan change").exists()


def test_who_may_start_a_plan_change(plans, heavy):
    customer, product = heavy
    target = plan_change(customer, product)
    agent = console("agent")
    assert console("catalog_manager").post(target, {"offering": plans.large.pk}).status_code == 403
    assert agent.get(target).status_code == 405  # a change is a POST
    nobody = reverse("admin:customer-console-plan-change", args=["nobody", product.pk])
    assert agent.post(nobody, {"offering": plans.large.pk}).status_code == 404
    assert console("supervisor").post(target, {"offering": plans.large.pk}).status_code == 302
    assert ShoppingCart.objects.get(customer=customer).items.get().offering_id == plans.large.pk
    assert not Interaction.objects.filter(kind="plan change", actor__startswith="catalog").exists()


def test_the_plan_change_needs_the_pages_csrf_token(plans, heavy):
    customer, product = heavy
    roles_ensure()
    user = get_user_model().objects.create_user(username="csrf-agent", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="agent"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(plan_change(customer, product), {"offering": plans.large.pk}).status_code == 403
    assert not ShoppingCart.objects.exists()
