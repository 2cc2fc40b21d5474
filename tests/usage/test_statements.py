"""Partner statements: the partner's share of its services' rated usage and recurring charges per month."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from catalog.models import Channel
from overlay.principal import ClientUser, CustomerUser, principal_for
from overlay.services import roles_ensure
from tests.factories.catalog import OfferingFactory, PriceFactory
from tests.factories.customers import HeldProductFactory
from tests.factories.usage import MetricFactory
from usage.models import Consumption
from usage.periods import next_period_start
from usage.statements import partner_statement, statement_reader

D = Decimal
NOVEMBER = date(2026, 11, 1)


def app(channel: str, scopes=("usage:read",)):
    return principal_for(ClientUser(1, f"{channel}-app", channel, frozenset(scopes)))


def on(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def rated(product, amount, period_start=NOVEMBER, metric="streaming_hours", currency="EUR"):
    MetricFactory(code=metric, unit="hour")
    return Consumption.objects.create(
        product=product,
        customer=product.customer,
        metric_id=metric,
        period_start=period_start,
        period_end=next_period_start(period_start),
        quantity=1,
        records=1,
        amount=D(amount),
        gross=D(amount),
        currency=currency,
        dirty=False,
    )


@pytest.fixture
def partners(db):
    """StreamMax (70%, through the partner channel) and another partner's service (50%), one not a partner's."""
    partner = Channel.objects.create(code="partner", name="Partner")
    other = Channel.objects.create(code="store", name="Another partner")
    streaming = OfferingFactory(name="StreamMax", revenue_share=D("70"), partner_channel=partner)
    PriceFactory(offering=streaming, name="StreamMax monthly", amount=D("9.99"))
    PriceFactory(offering=streaming, name="HD option", amount=D("3.00"), char_name="Quality", char_value="HD")
    music = OfferingFactory(name="MusicBox", revenue_share=D("50"), partner_channel=other)
    PriceFactory(offering=music, amount=D("7.49"))
    own = OfferingFactory(name="Mobile M")
    PriceFactory(offering=own, amount=D("25.00"))
    return streaming, music, own


@pytest.fixture
def estate(partners):
    streaming, music, own = partners
    tariff = HeldProductFactory(offering=streaming, start_date=on("2026-10-01"))  # the offering's 9.99
    agreed = HeldProductFactory(
        offering=streaming,
        start_date=on("2026-11-20"),
        price=[
            {"price_type": "recurring", "amount": "7.99", "currency": "EUR", "period": "month"},
            {"price_type": "oneTime", "amount": "10.00", "currency": "EUR", "period": ""},
        ],
    )
    left = HeldProductFactory(offering=streaming, status="terminated", termination_date=on("2026-11-10"))
    HeldProductFactory(offering=streaming, status="terminated", termination_date=on("2026-10-20"))  # gone before
    HeldProductFactory(offering=streaming, start_date=on("2026-12-05"))  # not yet
    HeldProductFactory(offering=streaming, status="cancelled")  # never in service
    rated(tariff, "1.25")
    rated(tariff, "3.00", period_start=date(2026, 10, 1))  # October's
    rated(agreed, "2.50", period_start=date(2026, 11, 15))  # a bill cycle on the 15th: starts in November
    rated(left, "0.40", metric="data")
    rated(HeldProductFactory(offering=music), "5.00")
    rated(HeldProductFactory(offering=own), "8.00")
    return partners


def test_a_partner_reads_its_share_of_usage_and_recurring_charges_of_the_month(estate):
    statement = partner_statement(app("partner"), NOVEMBER)
    (line,) = statement.lines
    assert (line.offering_name, line.partner, line.currency, line.products) == ("StreamMax", "partner", "EUR", 3)
    # Usage of periods starting in November: 1.25 + 2.50 + 0.40; a month of each product in service then:
    # the offering's 9.99 twice (its base price, not an option's) and the 7.99 agreed.
    assert (line.usage_amount, line.recurring_amount, line.total) == (D("4.15"), D("27.97"), D("32.12"))
    assert (line.share_percentage, line.partner_share) == (D("70"), D("22.48"))
    assert (statement.month, statement.end, statement.partners) == (NOVEMBER, date(2026, 12, 1), ["partner"])
    (total,) = statement.totals
    assert (total.currency, total.total, total.partner_share) == ("EUR", D("32.12"), D("22.48"))


def test_a_partner_sees_only_its_own_offerings_and_asking_for_another_gives_nothing(estate):
    assert [line.offering_name for line in partner_statement(app("store"), NOVEMBER).lines] == ["MusicBox"]
    assert partner_statement(app("partner"), NOVEMBER, partner="store").lines == []
    # A channel that is nobody's partner has no statement lines.
    assert partner_statement(app("web"), NOVEMBER).lines == []


def test_an_offering_with_nothing_in_a_month_has_its_line_at_zero(estate):
    streaming, *_ = estate
    kids = OfferingFactory(name="StreamMax Kids", revenue_share=D("70"), partner_channel=streaming.partner_channel)
    streammax, nothing = partner_statement(app("partner"), NOVEMBER).lines  # by name
    assert streammax.products == 3
    assert (nothing.offering_id, nothing.products, nothing.total, nothing.partner_share) == (kids.pk, 0, 0, 0)


def test_october_has_its_own_usage_and_the_products_in_service_then(estate):
    (line,) = partner_statement(app("partner"), date(2026, 10, 1)).lines
    # The tariff's product and the two that ended in November and October; usage of October's period only.
    assert (line.products, line.usage_amount, line.recurring_amount) == (3, D("3.00"), D("29.97"))


def test_who_reads_statements(estate, django_user_model):
    roles_ensure()
    assert statement_reader(app("partner")) == "partner"
    assert statement_reader(app("partner", scopes=("catalog:read",))) is None
    assert statement_reader(None) is None
    customer = CustomerUser(1, "web-app", "partner", frozenset(), customer_id="c1")
    assert statement_reader(principal_for(customer)) is None  # a customer token may hold usage:read
    for role, reads in (("supervisor", ""), ("agent", None), ("catalog_manager", None)):
        user = django_user_model.objects.create_user(username=role, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        assert statement_reader(principal_for(django_user_model.objects.get(pk=user.pk))) == reads, role
    assert [
        line.partner
        for line in partner_statement(
            principal_for(django_user_model.objects.get(username="supervisor")), NOVEMBER
        ).lines
    ] == ["partner", "store"]


def test_a_statement_is_one_query_however_many_products(estate, django_assert_num_queries):
    streaming, *_ = estate
    with django_assert_num_queries(1):
        partner_statement(app("partner"), NOVEMBER)
    for _ in range(20):
        rated(HeldProductFactory(offering=streaming), "1.00")
    with django_assert_num_queries(1):
        (line,) = partner_statement(app("partner"), NOVEMBER).lines
    assert line.products == 23
