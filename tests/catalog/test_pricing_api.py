"""The pricing engine over HTTP, on real catalog rows: /api/v1/pricing/quote and /estimate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Lifecycle
from tests.factories.catalog import (
    CampaignFactory,
    CharacteristicFactory,
    CharacteristicValueFactory,
    MemberFactory,
    OfferingFactory,
    PriceFactory,
    SegmentFactory,
    SpecificationFactory,
    TierFactory,
)
from tests.tmf import assert_tmf_error, queries_for

QUOTE = "/api/v1/pricing/quote"
ESTIMATE = "/api/v1/pricing/estimate"


def item(offering, **extra):
    return {"productOffering": {"id": offering.pk}, **extra}


def recurring_total(body):
    return next(t for t in body["totalPrice"] if t["priceType"] == "recurring")["price"]["dutyFreeAmount"]["value"]


@pytest.fixture
def plan(channels):
    offering = OfferingFactory(channels=[channels["web"], channels["mobile"]])
    PriceFactory(offering=offering, amount=Decimal("25.00"), tax_rate=Decimal("20"))
    return offering


@pytest.mark.django_db
class TestQuote:
    def test_quote_with_breakdown(self, web, plan):
        body = web.post(QUOTE, {"item": [item(plan, quantity=2)]}, format="json").json()
        charge = body["item"][0]["charge"][0]
        assert charge["dutyFreeAmount"] == {"unit": "EUR", "value": 50}
        assert charge["taxAmount"] == {"unit": "EUR", "value": 10}
        assert body["totalPrice"][0]["price"]["taxIncludedAmount"]["value"] == 60
        assert body["pricedAt"].endswith("Z")

    def test_web_campaign_applies_on_web_only(self, web, mobile, plan, channels):
        CampaignFactory(value=Decimal("10"), channels=[channels["web"]], offerings=[plan])
        assert recurring_total(web.post(QUOTE, {"item": [item(plan)]}, format="json").json()) == 22.5
        assert recurring_total(mobile.post(QUOTE, {"item": [item(plan)]}, format="json").json()) == 25

    def test_segment_campaign(self, web, plan):
        CampaignFactory(value=Decimal("20"), segments=[SegmentFactory(code="youth")], offerings=[plan])
        assert recurring_total(web.post(QUOTE, {"item": [item(plan)], "segment": "youth"}, format="json").json()) == 20
        assert recurring_total(web.post(QUOTE, {"item": [item(plan)]}, format="json").json()) == 25

    def test_campaigns_and_prices_outside_their_dates_do_not_apply(self, web, plan):
        now = timezone.now()
        CampaignFactory(value=Decimal("50"), valid_from=now - timedelta(days=10), valid_to=now - timedelta(days=1))
        CampaignFactory(value=Decimal("50"), valid_from=now + timedelta(days=1))
        CampaignFactory(value=Decimal("50"), is_active=False)
        PriceFactory(offering=plan, amount=Decimal("99"), valid_from=now + timedelta(days=5))
        PriceFactory(offering=plan, amount=Decimal("99"), lifecycle_status=Lifecycle.RETIRED)
        assert recurring_total(web.post(QUOTE, {"item": [item(plan)]}, format="json").json()) == 25

    def test_managers_may_price_as_another_channel_and_date(self, manager, plan, channels):
        later = timezone.now() + timedelta(days=3)
        CampaignFactory(value=Decimal("10"), channels=[channels["mobile"]], valid_from=later - timedelta(hours=1))
        body = {"item": [item(plan)], "channel": "mobile", "date": later.isoformat()}
        assert recurring_total(manager.post(QUOTE, body, format="json").json()) == 22.5

    @pytest.mark.parametrize("extra", [{"channel": "mobile"}, {"date": "2027-01-01T00:00:00Z"}])
    def test_channels_cannot_price_as_someone_else(self, web, plan, extra):
        assert_tmf_error(web.post(QUOTE, {"item": [item(plan)], **extra}, format="json"), 403)

    def test_bundle_with_members_the_channel_does_not_sell_alone(self, web, channels):
        member = MemberFactory(bundle__channels=[channels["web"]], member__is_sellable=False)
        PriceFactory(offering=member.member, amount=Decimal("12.00"))
        body = web.post(QUOTE, {"item": [item(member.bundle)]}, format="json").json()
        assert recurring_total(body) == 12

    def test_usage_estimate(self, web, channels):
        usage = OfferingFactory(channels=[channels["web"]])
        price = PriceFactory(offering=usage, price_type="usage", amount=None, unit_of_measure="GB", tiering="graduated")
        TierFactory(price=price, lower=0, upper=10, unit_amount=Decimal("2"))
        TierFactory(price=price, lower=10, upper=None, unit_amount=Decimal("1"))
        body = web.post(ESTIMATE, {"productOffering": {"id": usage.pk}, "usage": {"GB": 35}}, format="json").json()
        charge = body["charge"][0]
        assert charge["dutyFreeAmount"]["value"] == 45
        assert [t["units"] for t in charge["usageTier"]] == [10, 25]

    def test_queries_do_not_grow_with_the_number_of_items(self, web, channels):
        spec = SpecificationFactory()
        CharacteristicValueFactory(characteristic=CharacteristicFactory(specification=spec), is_default=True)
        offerings = []
        for _ in range(20):
            offering = OfferingFactory(channels=[channels["web"]], specification=spec)
            PriceFactory(offering=offering)
            offerings.append(offering)
        MemberFactory(bundle=offerings[0], member=offerings[1])
        offerings[0].is_bundle = True
        offerings[0].save()
        CampaignFactory(offerings=offerings[:3], channels=[channels["web"]])
        web.post(QUOTE, {"item": [item(offerings[2])]}, format="json")
        few = queries_for(lambda: web.post(QUOTE, {"item": [item(o) for o in offerings[:2]]}, format="json"))
        many = queries_for(lambda: web.post(QUOTE, {"item": [item(o) for o in offerings]}, format="json"))
        assert few == many


@pytest.mark.django_db
class TestQuoteBadInput:
    def test_unknown_offering(self, web, plan):
        body = assert_tmf_error(web.post(QUOTE, {"item": [{"productOffering": {"id": "nope"}}]}, format="json"), 422)
        assert body["code"] == "unknownOffering"

    def test_offering_not_sold_in_this_channel_is_unknown_here(self, web, channels):
        store_only = OfferingFactory(channels=[channels["store"]])
        assert_tmf_error(web.post(QUOTE, {"item": [item(store_only)]}, format="json"), 422)

    @pytest.mark.parametrize("quantity", [-1, 0, 1001, "two"])
    def test_bad_quantity(self, web, plan, quantity):
        assert_tmf_error(web.post(QUOTE, {"item": [item(plan, quantity=quantity)]}, format="json"), 400)

    def test_invalid_characteristic_value(self, web, channels):
        spec = SpecificationFactory()
        CharacteristicValueFactory(
            characteristic=CharacteristicFactory(specification=spec, name="Storage"), value="128GB"
        )
        phone = OfferingFactory(channels=[channels["web"]], specification=spec)
        body = assert_tmf_error(
            web.post(QUOTE, {"item": [item(phone, characteristic={"Storage": "1TB"})]}, format="json"), 422
        )
        assert "1TB" in body["message"] and "128GB" in body["message"]

    @pytest.mark.parametrize(
        "payload",
        [
            '{"item": [',
            "[]",
            '{"item": []}',
            '{"item": [{"quantity": 1}]}',
            '{"item": [{"productOffering": {"id": "x"}, "usage": {"GB": -3}}]}',
        ],
    )
    def test_malformed_requests(self, web, plan, payload):
        assert_tmf_error(web.generic("POST", QUOTE, payload, content_type="application/json"), 400)

    def test_anonymous(self, anonymous, plan):
        assert_tmf_error(anonymous.post(QUOTE, {"item": [item(plan)]}, format="json"), 401)
        assert_tmf_error(
            anonymous.post(ESTIMATE, {"productOffering": {"id": plan.pk}, "usage": {"GB": 1}}, format="json"), 401
        )

    def test_estimate_needs_usage(self, web, plan):
        assert_tmf_error(web.post(ESTIMATE, {"productOffering": {"id": plan.pk}, "usage": {}}, format="json"), 400)

    def test_get_is_not_allowed(self, web):
        assert_tmf_error(web.get(QUOTE), 405)
