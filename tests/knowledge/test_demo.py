"""The demo's articles, on the catalog imported from the simulator over HTTP: linked to the demo offerings and
the ticket categories, found by channels' questions, loaded once."""

import pytest

from adapters.demo import import_catalogs
from catalog.demo import load_demo_catalog
from catalog.models import ProductOffering
from knowledge.demo import ARTICLES, load_demo_articles
from knowledge.models import Article, TicketCategory
from knowledge.search import ArticleSearch, article_search
from knowledge.selectors import articles_relevant, articles_visible
from tests.factories.users import application


@pytest.mark.django_db
def test_the_demo_articles_answer_the_demo_catalog(systems):
    import_catalogs()
    load_demo_catalog()
    assert load_demo_articles() == len(ARTICLES) == 11
    assert set(TicketCategory.objects.values_list("code", flat=True)) >= {
        "no-service",
        "slow-connection",
        "damaged-device",
        "billing-question",
        "other",
    }
    app = application([])

    def titles(text: str, **narrowing) -> list[str]:
        found = article_search(articles_visible(app), ArticleSearch(text=text, **narrowing))
        return [hit.article.title for hit in found.hits]

    assert titles("no internt fibre")[0] == "Fibre: no internet connection"
    assert titles("return phone 14 days")[0] == "Returning a phone within 14 days"
    assert titles("roaming")[0] == "Roaming: using your phone abroad"
    phone = ProductOffering.objects.get(external_id="AURORA-X-128")
    assert titles("", offering_ids=(phone.pk,)) == [
        "Exchanging a faulty device",
        "Repairs and loan phones",
        "Returning a phone within 14 days",
    ]
    fibre = ProductOffering.objects.get(external_id="FIBRE-100")
    relevant = articles_relevant(app, offering_ids=[fibre.pk], category_codes=["slow-connection"])
    assert relevant[0].title == "Fibre: slower than expected speeds"
    assert load_demo_articles() == 0 and Article.objects.count() == 11
