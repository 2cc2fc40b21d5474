"""The knowledge API: list and search, an article, feedback; who reads what; bad input writes nothing;
constant queries; the feedback rate limit."""

import pytest
from django.core.cache import cache

from knowledge.models import Article, ArticleFeedback, ArticleStatus, Audience
from tests.factories.catalog import OfferingFactory, SpecificationFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.factories.knowledge import article, category
from tests.tmf import assert_tmf_error, queries_for, rows_in_database

ARTICLES = "/api/v1/knowledge/article"


@pytest.fixture
def fibre(db):
    return OfferingFactory(name="Fibre 500", specification=SpecificationFactory(name="Fibre line"))


@pytest.fixture
def library(fibre):
    return {
        "down": article(
            "Fibre: no internet connection",
            "Restart the router.",
            "Check the lights.\n\n- Restart it.\n- <script>alert(1)</script>",
            specifications=[fibre.specification],
            categories=["no-service"],
        ),
        "bill": article("Understanding your bill", "Monthly and one-time charges.", categories=["billing-question"]),
        "agents": article("Agents: line test", "Before a ticket.", audience=Audience.AGENTS, offerings=[fibre]),
        "draft": article("Fibre: a draft", status=ArticleStatus.DRAFT, offerings=[fibre]),
    }


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["title"] for a in response.json()["result"]]


@pytest.mark.django_db
class TestList:
    def test_search_with_typos_says_how_it_read_the_question(self, web, library):
        body = web.get(ARTICLES, {"q": "no internt fibre"}).json()
        assert (body["stage"], body["didYouMean"]) == ("typos", "no internet fibre")
        hit = body["result"][0]
        assert hit["title"] == "Fibre: no internet connection"
        assert hit["href"].endswith(f"{ARTICLES}/{library['down'].pk}")
        assert hit["category"] == [{"code": "no-service", "name": "No service"}]  # as care's migration names it
        assert hit["productSpecification"][0]["name"] == "Fibre line"
        assert hit["@type"] == "KnowledgeArticle" and "body" not in hit

    def test_narrowed_by_offering_category_audience(self, web, staff_client, library, fibre):
        assert titles(web.get(ARTICLES, {"offering": fibre.pk})) == ["Fibre: no internet connection"]
        assert titles(web.get(ARTICLES, {"category": "billing-question"})) == ["Understanding your bill"]
        assert titles(web.get(ARTICLES, {"audience": "agents"})) == []
        agent = staff_client("agent")
        assert titles(agent.get(ARTICLES, {"audience": "agents"})) == ["Agents: line test"]
        assert titles(agent.get(ARTICLES, {"offering": fibre.pk})) == [
            "Agents: line test",
            "Fibre: no internet connection",
        ]

    def test_a_product_the_customer_holds(self, customer_client, library, fibre):
        koen = CustomerFactory()
        held = HeldProductFactory(customer=koen, offering=fibre)
        other = HeldProductFactory(customer=CustomerFactory(), offering=fibre)
        me = customer_client(koen)
        assert titles(me.get(ARTICLES, {"product": held.pk})) == ["Fibre: no internet connection"]
        assert_tmf_error(me.get(ARTICLES, {"product": other.pk}), 400)
        assert_tmf_error(me.get(ARTICLES, {"product": "nothing"}), 400)

    def test_an_application_names_a_customers_product_only_with_customers_read(self, web, make_client, library, fibre):
        held = HeldProductFactory(customer=CustomerFactory(), offering=fibre)
        assert_tmf_error(web.get(ARTICLES, {"product": held.pk}), 400)
        crm = make_client("web", ("customers:read",))
        assert titles(crm.get(ARTICLES, {"product": held.pk})) == ["Fibre: no internet connection"]

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": 0},
            {"limit": "many"},
            {"audience": "everyone"},
            {"category": "no service!"},
            {"offering": "x" * 65},
            {"q": "x" * 201},
        ],
    )
    def test_bad_parameters_are_400(self, web, library, params):
        assert_tmf_error(web.get(ARTICLES, params), 400)

    def test_anonymous_is_refused(self, anonymous, library):
        assert_tmf_error(anonymous.get(ARTICLES), 401)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(web, fibre):
    def make(count: int, start: int):
        for n in range(start, start + count):
            article(
                f"Fibre answer {n:02d}",
                offerings=[fibre],
                specifications=[fibre.specification],
                categories=["no-service", "slow-connection"],
            )

    make(2, 0)
    web.get(ARTICLES, {"q": "fibre answer"})
    few = queries_for(lambda: web.get(ARTICLES, {"q": "fibre answer"}))
    make(18, 2)
    many = queries_for(lambda: web.get(ARTICLES, {"q": "fibre answer"}))
    assert few == many
    assert len(web.get(ARTICLES, {"q": "fibre answer"}).json()["result"]) == 20


@pytest.mark.django_db
class TestDetail:
    def test_an_article_with_its_body_as_plain_text_counted_as_read(self, web, library):
        down = library["down"]
        body = web.get(f"{ARTICLES}/{down.pk}").json()
        assert body["body"] == down.body  # text, not markup: a channel shows it escaped
        web.get(f"{ARTICLES}/{down.pk}")
        assert Article.objects.get(pk=down.pk).views == 2

    def test_drafts_and_agents_articles_are_not_found(self, web, staff_client, library):
        assert_tmf_error(web.get(f"{ARTICLES}/{library['draft'].pk}"), 404)
        assert_tmf_error(web.get(f"{ARTICLES}/{library['agents'].pk}"), 404)
        assert_tmf_error(staff_client("catalog_manager").get(f"{ARTICLES}/{library['draft'].pk}"), 404)
        assert staff_client("agent").get(f"{ARTICLES}/{library['agents'].pk}").status_code == 200
        assert Article.objects.filter(views__gt=0).count() == 1

    def test_detail_queries(self, web, library):
        web.get(f"{ARTICLES}/{library['bill'].pk}")  # the application's token is cached after its first use
        assert queries_for(lambda: web.get(f"{ARTICLES}/{library['down'].pk}")) == queries_for(
            lambda: web.get(f"{ARTICLES}/{library['bill'].pk}")
        )


@pytest.mark.django_db
class TestFeedback:
    def test_a_customer_answers_and_may_change_their_mind(self, customer_client, library):
        koen = CustomerFactory()
        me = customer_client(koen, channel="mobile")
        url = f"{ARTICLES}/{library['down'].pk}/feedback"
        response = me.post(url, {"helpful": True, "category": "no-service"}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["helpful"], body["category"], body["channel"]) == (True, "no-service", "mobile")
        assert body["article"]["id"] == library["down"].pk
        answer = ArticleFeedback.objects.get()
        assert (answer.customer_id, answer.deflected, answer.principal) == (koen.pk, True, f"customer:{koen.pk}")
        again = me.post(url, {"helpful": False}, format="json")
        assert again.status_code == 200
        answer = ArticleFeedback.objects.get()
        assert (answer.helpful, answer.deflected, answer.category) == (False, False, None)

    def test_answers_without_a_known_customer_each_count(self, web, staff_client, library):
        url = f"{ARTICLES}/{library['bill'].pk}/feedback"
        assert web.post(url, {"helpful": True}, format="json").status_code == 201
        assert web.post(url, {"helpful": True}, format="json").status_code == 201
        assert staff_client("agent").post(url, {"helpful": False}, format="json").status_code == 201
        assert ArticleFeedback.objects.filter(customer_id="").count() == 3

    @pytest.mark.parametrize(
        "body,status",
        [
            ({}, 400),
            ({"helpful": "perhaps"}, 400),
            ({"helpful": True, "category": "Not a slug"}, 400),
            ({"helpful": True, "category": "unknown"}, 422),
            ("[]", 400),
        ],
    )
    def test_bad_input_writes_nothing(self, web, library, body, status):
        category("no-service")
        before = rows_in_database()
        assert_tmf_error(web.post(f"{ARTICLES}/{library['down'].pk}/feedback", body, format="json"), status)
        assert rows_in_database() == before

    def test_on_what_cannot_be_read_404_and_nothing_written(self, web, anonymous, library):
        for hidden in ("draft", "agents"):
            assert_tmf_error(
                web.post(f"{ARTICLES}/{library[hidden].pk}/feedback", {"helpful": True}, format="json"), 404
            )
        assert_tmf_error(
            anonymous.post(f"{ARTICLES}/{library['down'].pk}/feedback", {"helpful": True}, format="json"), 401
        )
        assert not ArticleFeedback.objects.exists()

    def test_rate_limited_per_caller(self, web, make_client, library, settings):
        cache.clear()
        url = f"{ARTICLES}/{library['bill'].pk}/feedback"
        for _ in range(30):
            assert web.post(url, {"helpful": True}, format="json").status_code == 201
        assert_tmf_error(web.post(url, {"helpful": True}, format="json"), 429)
        assert make_client().post(url, {"helpful": True}, format="json").status_code == 201
        assert ArticleFeedback.objects.count() == 31
