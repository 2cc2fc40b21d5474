"""What a partner's application and a caller without personal data see of usage (found by an attacker's sweep)."""

import pytest

from catalog.models import Channel
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import HeldProductFactory
from tests.factories.usage import MetricFactory, at, ingest, record, usage_price

USAGE = "/tmf-api/usageManagement/v4/usage"
NOW = at("2026-11-25")


@pytest.fixture
def usage_of_two_kinds(db):
    """A customer's usage of an operator plan and of a partner's streaming service."""
    data = MetricFactory(code="data", unit="MB")
    hours = MetricFactory(code="streaming_hours", unit="hour")
    partner = Channel.objects.get_or_create(code="partner", defaults={"name": "Partner"})[0]
    plan, stream = OfferingFactory(name="Mobile M"), OfferingFactory(name="StreamMax", partner_channel=partner)
    usage_price(plan, data, included=100, tiers=[(0, None, "0.01")])
    usage_price(stream, hours, included=10, tiers=[(0, None, "0.10")])
    mobile = HeldProductFactory(offering=plan)
    streaming = HeldProductFactory(customer=mobile.customer, offering=stream, system="partner")
    ingest([record(1, mobile, quantity=50, callingNumber="+31612345678")], now=NOW)
    ingest([record(2, streaming, "streaming_hours", 3)], system="partner", now=NOW)
    return mobile, streaming


def test_a_partners_application_sees_the_usage_of_its_own_services_only(make_client, usage_of_two_kinds):
    _, streaming = usage_of_two_kinds
    partner = make_client("partner", ("usage:read",))
    seen = partner.get(USAGE).json()
    assert [u["ratedProductUsage"][0]["productRef"]["id"] for u in seen] == [str(streaming.pk)]
    assert make_client("web", ("usage:read",)).get(USAGE, {"limit": 10}).headers["X-Total-Count"] == "2"


def test_personal_attributes_are_masked_without_personal_data(make_client, usage_of_two_kinds, settings):
    settings.PERSONAL_CHARACTERISTICS = ["MSISDN", "callingNumber"]
    shown = {
        scopes: {
            c["name"]: c["value"]
            for u in make_client("web", scopes).get(USAGE, {"usageType": "data"}).json()
            for c in u["usageCharacteristic"]
        }["callingNumber"]
        for scopes in (("usage:read",), ("usage:read", "customers:pii"))
    }
    assert shown == {("usage:read",): "+316******78", ("usage:read", "customers:pii"): "+31612345678"}
