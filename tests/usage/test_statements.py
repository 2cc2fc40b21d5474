"""Partner statements: the partner's share of its services' rated usage and recurring charges per month."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group

from overlay.principal import ClientUser, CustomerUser, principal_for
from overlay.services import roles_ensure
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import HeldProductFactory
from tests.usage.statement_data import NOVEMBER, rated
from usage.statements import partner_statement, statement_reader

D = Decimal


def app(channel: str, scopes=("usage:read",)):
    return principal_for(ClientUser(1, f"{channel}-app", channel, frozenset(scopes)))


def test_a_partner_reads_its_share_of_usage_and_recurring_charges_of_the_month(partner_estate):
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


def test_a_partner_sees_only_its_own_offerings_and_asking_for_another_gives_nothing(partner_estate):
    assert [line.offering_name for line in partner_statement(app("store"), NOVEMBER).lines] == ["MusicBox"]
    assert partner_statement(app("partner"), NOVEMBER, partner="store").lines == []
    # A channel that is nobody's partner has no statement lines.
    assert partner_statement(app("web"), NOVEMBER).lines == []


def test_an_offering_with_nothing_in_a_month_has_its_line_at_zero(partner_estate):
    streaming, *_ = partner_estate
    kids = OfferingFactory(name="StreamMax Kids", revenue_share=D("70"), partner_channel=streaming.partner_channel)
    streammax, nothing = partner_statement(app("partner"), NOVEMBER).lines  # by name
    assert streammax.products == 3
    assert (nothing.offering_id, nothing.products, nothing.total, nothing.partner_share) == (kids.pk, 0, 0, 0)


def test_october_has_its_own_usage_and_the_products_in_service_then(partner_estate):
    (line,) = partner_statement(app("partner"), date(2026, 10, 1)).lines
    # The tariff's product and the two that ended in November and October; usage of October's period only.
    assert (line.products, line.usage_amount, line.recurring_amount) == (3, D("3.00"), D("29.97"))


def test_who_reads_statements(partner_estate, django_user_model):
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


def test_a_statement_is_one_query_however_many_products(partner_estate, django_assert_num_queries):
    streaming, *_ = partner_estate
    with django_assert_num_queries(1):
        partner_statement(app("partner"), NOVEMBER)
    for _ in range(20):
        rated(HeldProductFactory(offering=streaming), "1.00")
    with django_assert_num_queries(1):
        (line,) = partner_statement(app("partner"), NOVEMBER).lines
    assert line.products == 23
