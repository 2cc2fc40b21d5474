"""``/api/v1/partners/statements``: a partner reads only its own statement; everyone else is refused."""

from datetime import date
from decimal import Decimal

import pytest

from catalog.models import Channel
from tests.factories.catalog import OfferingFactory, PriceFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.usage.statement_data import rated

D = Decimal
LIST = "/api/v1/partners/statements"
NOVEMBER = f"{LIST}/2026-11"
pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_app(make_client):
    return make_client("partner", ("usage:read",))


def test_a_partners_application_reads_its_own_lines_with_the_figures(partner_estate, partner_app):
    streaming, *_ = partner_estate
    response = partner_app.get(LIST, {"period": "2026-11"})
    assert response.status_code == 200, response.content
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("1", "1")
    (line,) = response.json()
    assert line["productOffering"]["id"] == streaming.pk
    assert line["productOffering"]["href"].endswith(
        f"/tmf-api/productCatalogManagement/v4/productOffering/{streaming.pk}"
    )
    assert {k: v for k, v in line.items() if k != "productOffering"} == {
        "partner": "partner",
        "period": "2026-11",
        "products": 3,
        "usageAmount": {"unit": "EUR", "value": 4.15},
        "recurringAmount": {"unit": "EUR", "value": 27.97},
        "totalAmount": {"unit": "EUR", "value": 32.12},
        "revenueSharePercentage": 70,
        "partnerShare": {"unit": "EUR", "value": 22.48},
    }


def test_a_months_statement_as_one_document_with_totals(partner_estate, partner_app):
    body = partner_app.get(NOVEMBER).json()
    assert body["period"] == "2026-11"
    assert body["validFor"] == {"startDateTime": "2026-11-01T00:00:00.000Z", "endDateTime": "2026-12-01T00:00:00.000Z"}
    assert body["partner"] == ["partner"]
    assert [line["productOffering"]["name"] for line in body["line"]] == ["StreamMax"]
    assert body["total"] == [
        {
            "usageAmount": {"unit": "EUR", "value": 4.15},
            "recurringAmount": {"unit": "EUR", "value": 27.97},
            "totalAmount": {"unit": "EUR", "value": 32.12},
            "partnerShare": {"unit": "EUR", "value": 22.48},
        }
    ]


def test_another_partner_sees_only_its_own_and_not_the_first_ones(partner_estate, make_client):
    other = make_client("store", ("usage:read",))
    assert [line["productOffering"]["name"] for line in other.get(LIST, {"period": "2026-11"}).json()] == ["MusicBox"]
    assert other.get(LIST, {"period": "2026-11", "partner": "partner"}).json() == []
    assert other.get(NOVEMBER, {"partner": "partner"}).status_code == 404


def test_an_application_of_no_partner_reads_nothing_and_no_statement(partner_estate, make_client):
    web = make_client("web", ("usage:read",))
    response = web.get(LIST, {"period": "2026-11"})
    assert (response.status_code, response.json(), response["X-Total-Count"]) == (200, [], "0")
    response = web.get(NOVEMBER)
    assert response.status_code == 404
    assert response.json()["code"] == "notFound"


def test_customers_other_applications_and_agents_are_refused(
    partner_estate, make_client, customer_client, staff_client
):
    refused = {
        "customer": customer_client(CustomerFactory(), channel="partner"),  # a customer token holds usage:read
        "no usage:read": make_client("partner", ("customers:read", "catalog:read")),
        "agent": staff_client("agent"),
        "catalog manager": staff_client("catalog_manager"),
    }
    for who, client in refused.items():
        for path in (LIST, NOVEMBER):
            response = client.get(path)
            assert response.status_code == 403, (who, path, response.content)
            assert response.json()["code"] in ("forbidden", "permissionDenied"), response.json()


def test_anonymous_is_unauthorised(partner_estate, anonymous):
    assert anonymous.get(LIST).status_code == anonymous.get(NOVEMBER).status_code == 401


def test_a_supervisor_reads_every_partners_statement_or_one(partner_estate, staff_client):
    supervisor = staff_client("supervisor")
    lines = supervisor.get(LIST, {"period": "2026-11"}).json()
    assert [(line["partner"], line["productOffering"]["name"]) for line in lines] == [
        ("partner", "StreamMax"),
        ("store", "MusicBox"),
    ]
    assert lines[1]["partnerShare"] == {"unit": "EUR", "value": 6.25}  # 50% of 7.49 a month and 5.00 of usage
    assert supervisor.get(NOVEMBER).json()["partner"] == ["partner", "store"]
    only = supervisor.get(NOVEMBER, {"partner": "store"}).json()
    assert [line["partner"] for line in only["line"]] == ["store"]


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "26-11", "2026-11-01", "november", "0000-05", "9999-12"])
def test_a_malformed_period_is_bad_input(partner_estate, partner_app, period):
    for response in (partner_app.get(LIST, {"period": period}), partner_app.get(f"{LIST}/{period}")):
        assert response.status_code == 400, (period, response.content)
        body = response.json()
        assert (body["code"], body["status"]) == ("badRequest", "400") and "period" in body["message"]


def test_bad_paging_and_partner_are_bad_input(partner_estate, partner_app):
    assert partner_app.get(LIST, {"limit": "-1"}).status_code == 400
    assert partner_app.get(LIST, {"partner": "no such/partner"}).status_code == 400
    assert partner_app.get(NOVEMBER, {"partner": "x" * 30}).status_code == 400


def test_paging_the_lines(partner_estate, staff_client):
    supervisor = staff_client("supervisor")
    response = supervisor.get(LIST, {"period": "2026-11", "offset": 1, "limit": 1})
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("2", "1")
    assert [line["partner"] for line in response.json()] == ["store"]


def test_the_period_defaults_to_this_month(partner_services, partner_app):
    (line,) = partner_app.get(LIST).json()
    today = date.today()
    assert line["period"] == f"{today.year:04d}-{today.month:02d}"


def test_constant_queries_for_2_and_20_offerings(partner_services, partner_app, django_assert_num_queries):
    streaming, *_ = partner_services
    partner_app.get(LIST)  # its token read once, then cached
    for size in (2, 20):
        while Channel.objects.get(pk=streaming.partner_channel_id).partner_offerings.count() < size:
            offering = OfferingFactory(revenue_share=D("60"), partner_channel=streaming.partner_channel)
            PriceFactory(offering=offering, amount=D("4.00"))
            rated(HeldProductFactory(offering=offering), "1.00")
        for path in (f"{LIST}?period=2026-11", NOVEMBER):
            with django_assert_num_queries(1):
                response = partner_app.get(path)
            assert len(response.json() if path.startswith(f"{LIST}?") else response.json()["line"]) == size
