"""The articles' admin: catalog managers write (through the service: search columns, vocabulary, publication),
agents read; the list counts views, answers and deflected tickets; the body is shown escaped."""

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge.models import Article, ArticleTerm
from knowledge.services import feedback_record
from overlay.principal import CustomerUser, principal_for
from tests.factories.catalog import OfferingFactory
from tests.factories.knowledge import article, category
from tests.factories.users import console

pytestmark = pytest.mark.django_db
ADD = reverse("admin:knowledge_article_add")
LIST = reverse("admin:knowledge_article_changelist")


def form(**values) -> dict:
    return {
        "title": "Fibre: no internet connection",
        "summary": "Restart the router.",
        "body": "Check the lights.\n\n- Restart it.\n- <script>alert(1)</script>",
        "audience": "customers",
        "status": "published",
        **values,
    }


def test_a_catalog_manager_writes_an_article_found_by_the_search_at_once():
    fibre = OfferingFactory()
    no_service = category("no-service")
    response = console("catalog_manager").post(ADD, form(offerings=[fibre.pk], categories=[no_service.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Article.objects.get()
    assert saved.search_title == " fibre no internet connection "
    assert saved.published_at is not None
    assert list(saved.offerings.all()) == [fibre] and list(saved.categories.all()) == [no_service]
    assert {"internet", "router", "script"} <= set(ArticleTerm.objects.values_list("term", flat=True))


def test_a_draft_is_not_stamped_published():
    console("catalog_manager").post(ADD, form(status="draft"))
    assert Article.objects.get().published_at is None


def test_agents_read_but_do_not_write():
    agent = console("agent")
    assert agent.get(LIST).status_code == 200
    assert agent.post(ADD, form()).status_code == 403
    assert not Article.objects.exists()


def test_the_list_counts_views_answers_and_deflections():
    down = article("Fibre: no internet connection")
    Article.objects.filter(pk=down.pk).update(views=7)
    now = timezone.now()
    for n, helpful in enumerate([True, True, False]):
        who = principal_for(CustomerUser(1, "app", "web", frozenset(), customer_id=f"C{n}"))
        feedback_record(who, down, helpful=helpful, at=now)
    page = console("catalog_manager").get(LIST).content.decode()
    row = page[page.index("Fibre: no internet connection") :]
    cells = [cell.split("<")[0] for cell in row.split('<td class="field-')[1:8]]
    assert [c.split(">", 1)[1] for c in cells[2:6]] == ["7", "2", "1", "2"]


def test_the_body_is_shown_escaped():
    down = article("Fibre", body="Check.\n\n- <script>alert(1)</script>")
    page = console("agent").get(reverse("admin:knowledge_article_change", args=[down.pk])).content.decode()
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>" in page
    assert "<script>alert(1)" not in page


def test_the_categories_list_counts_answers_and_deflections_per_category():
    down = article("Fibre: no internet connection", categories=["no-service"])
    now = timezone.now()
    for n, helpful in enumerate([True, False]):
        who = principal_for(CustomerUser(1, "app", "web", frozenset(), customer_id=f"C{n}"))
        feedback_record(who, down, helpful=helpful, at=now)
    page = console("agent").get(reverse("admin:knowledge_ticketcategory_changelist")).content.decode()
    row = page[page.index("No service") :]  # as care's migration names it
    assert (
        '<td class="field-helpful">1</td><td class="field-not_helpful">1</td><td class="field-deflected">1</td>' in row
    )
