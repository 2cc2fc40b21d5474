"""The 360°'s knowledge part (API and console page): the articles about what the customer holds, agents'
ones for agents, escaped; constant queries."""

import pytest
from django.urls import reverse

from knowledge.models import Audience
from tests.factories.catalog import OfferingFactory, SpecificationFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.factories.knowledge import article
from tests.factories.users import console
from tests.tmf import queries_for


def url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/360"


@pytest.fixture
def holding(db):
    fibre = OfferingFactory(name="Fibre 500", specification=SpecificationFactory(name="Fibre line"))
    mobile = OfferingFactory(name="Mobile M")
    customer = CustomerFactory()
    HeldProductFactory(customer=customer, offering=fibre, name="Fibre at home")
    HeldProductFactory(customer=customer, offering=None, name="Old landline")
    article(
        "Fibre: no internet <connection>",
        "Restart the <b>router</b>.",
        specifications=[fibre.specification],
        categories=["no-service"],
    )
    article("Agents: line test", "Before a ticket.", audience=Audience.AGENTS, offerings=[fibre])
    article("Mobile: no signal", offerings=[mobile])
    article("Understanding your bill")
    return customer


def panel(body: dict) -> list[tuple[str, list[str]]]:
    return [(a["title"], a["because"]) for a in body["knowledgeArticle"]]


@pytest.mark.django_db
class TestThreeSixty:
    def test_an_agent_sees_the_articles_about_what_the_customer_holds(self, staff_client, holding):
        body = staff_client("agent").get(url(holding)).json()
        assert panel(body) == [
            ("Agents: line test", ["Fibre at home"]),
            ("Fibre: no internet <connection>", ["Fibre at home"]),
        ]

    def test_an_application_sees_customers_articles_only(self, make_client, holding):
        body = make_client("callcentre", ("customers:read",)).get(url(holding)).json()
        assert panel(body) == [("Fibre: no internet <connection>", ["Fibre at home"])]

    def test_a_customer_without_products_gets_an_empty_part(self, staff_client, db):
        assert staff_client("agent").get(url(CustomerFactory())).json()["knowledgeArticle"] == []


@pytest.mark.django_db
def test_queries_do_not_grow_with_products_and_articles(make_client, holding):
    app = make_client("callcentre", ("customers:read",))
    app.get(url(holding))
    few = queries_for(lambda: app.get(url(holding)))
    for n in range(18):
        offering = OfferingFactory(name=f"Plan {n}")
        HeldProductFactory(customer=holding, offering=offering)
        article(f"About plan {n}", offerings=[offering], categories=["other"])
    many = queries_for(lambda: app.get(url(holding)))
    assert few == many
    assert len(app.get(url(holding)).json()["knowledgeArticle"]) == 5


@pytest.mark.django_db
def test_the_console_page_shows_the_panel_escaped(holding):
    page = console("agent").get(reverse("admin:customer-console-customer", args=[holding.pk]))
    html = page.content.decode()
    assert 'id="knowledge"' in html
    assert "Fibre: no internet &lt;connection&gt;" in html and "<connection>" not in html
    assert "Restart the &lt;b&gt;router&lt;/b&gt;." in html
    assert "(agents only)" in html
    article_page = reverse("admin:knowledge_article_change", args=[page.context["view"]["knowledgeArticle"][0]["id"]])
    assert article_page in html
