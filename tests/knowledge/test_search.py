"""Article search: each stage (exact phrase, words, typos), ranking, narrowing, who reads what; the SQLite
scan of the typos stage finds what pg_trgm's index finds."""

import pytest

from knowledge import search as search_module
from knowledge.models import ArticleStatus, ArticleTerm, Audience
from knowledge.search import ArticleSearch, article_search
from knowledge.selectors import articles_relevant, articles_visible
from overlay.principal import principal_for
from tests.factories.catalog import OfferingFactory, SpecificationFactory
from tests.factories.knowledge import article
from tests.factories.users import application


@pytest.fixture
def library(db):
    fibre_spec = SpecificationFactory(name="Fibre line")
    fibre = OfferingFactory(name="Fibre 500", specification=fibre_spec)
    mobile = OfferingFactory(name="Mobile M")
    return {
        "fibre": fibre,
        "fibre_spec": fibre_spec,
        "mobile": mobile,
        "down": article(
            "Fibre: no internet connection",
            "Your fibre line shows no internet: restart the router.",
            "Check the router's lights.\n\n- Restart it.\n- Test with a cable.",
            specifications=[fibre_spec],
            categories=["no-service"],
        ),
        "slow": article(
            "Fibre: slower than expected speeds",
            "Measure over a cable; move the router.",
            "Wi-Fi speeds depend on walls. No internet? See the other article.",
            offerings=[fibre],
            categories=["slow-connection"],
        ),
        "signal": article(
            "Mobile: no signal",
            "No bars on your phone: flight mode, restart.",
            "Roaming settings and the SIM card.",
            offerings=[mobile],
            categories=["no-service"],
        ),
        "returns": article(
            "Returning a phone within 14 days",
            "Changed your mind? Return it in its box.",
            "Reset the phone and start the return.",
        ),
        "draft": article("Fibre: draft about internet", status=ArticleStatus.DRAFT),
        "agents": article(
            "Agents: testing a fibre line",
            "Line test before a ticket.",
            "Internet down: run the line test.",
            audience=Audience.AGENTS,
            specifications=[fibre_spec],
        ),
    }


@pytest.fixture
def app(db):
    return application([])


def titles(found) -> list[str]:
    return [hit.article.title for hit in found.hits]


def searched(principal, text: str = "", **narrowing):
    return article_search(articles_visible(principal), ArticleSearch(text=text, **narrowing))


class TestStages:
    def test_a_phrase_is_found_exactly_title_before_body(self, library, app):
        found = searched(app, "no internet")
        assert found.stage == "exact"
        # The phrase is in the first's title (3), in the second's body only (1).
        assert titles(found) == ["Fibre: no internet connection", "Fibre: slower than expected speeds"]
        assert [hit.score for hit in found.hits] == [3, 1]

    def test_a_phrase_is_matched_at_word_boundaries(self, library, app):
        # "no" is not "now" nor "not": a short word is only ever a whole word.
        assert searched(app, "no bars").stage == "exact"
        assert searched(app, "o bars").stage != "exact"
        # Nor does a short word find a longer one in the words stage: "sim" is a word of one article only.
        assert titles(searched(app, "sim")) == ["Mobile: no signal"]

    def test_words_anywhere_in_any_order_when_the_phrase_is_not_there(self, library, app):
        found = searched(app, "restart router fibre")
        assert found.stage == "words"
        assert titles(found) == ["Fibre: no internet connection"]

    def test_stop_words_are_left_out_and_long_words_match_a_word_start(self, library, app):
        found = searched(app, "how do I return my phone")
        assert (found.stage, titles(found)) == ("words", ["Returning a phone within 14 days"])

    def test_typos_are_read_as_the_nearest_known_words(self, library, app):
        found = searched(app, "no internt fibre")
        assert found.stage == "typos"
        assert found.corrected == "no internet fibre"
        assert titles(found) == ["Fibre: no internet connection", "Fibre: slower than expected speeds"]

    def test_when_no_article_has_every_word_those_with_most_of_them(self, library, app):
        found = searched(app, "how do I reset my router")
        assert (found.stage, found.corrected) == ("partial", "")
        # "router" is in two summaries (2 each), "reset" in one body (1).
        assert titles(found) == [
            "Fibre: no internet connection",
            "Fibre: slower than expected speeds",
            "Returning a phone within 14 days",
        ]
        assert [hit.score for hit in found.hits] == [2, 2, 1]

    def test_nothing_near_enough_finds_nothing(self, library, app):
        found = searched(app, "quartz zebra")
        assert found.stage == "none", (found.corrected, titles(found))
        assert searched(app, "how do I").stage == "none"

    def test_without_a_question_every_article_by_title(self, library, app):
        found = searched(app)
        assert found.stage == "all"
        assert titles(found) == [
            "Fibre: no internet connection",
            "Fibre: slower than expected speeds",
            "Mobile: no signal",
            "Returning a phone within 14 days",
        ]


class TestNarrowing:
    def test_an_offering_finds_articles_about_it_and_about_its_specification(self, library, app):
        found = searched(app, offering_ids=(library["fibre"].pk,))
        assert titles(found) == ["Fibre: no internet connection", "Fibre: slower than expected speeds"]

    def test_a_specification(self, library, app):
        assert titles(searched(app, specification_ids=(library["fibre_spec"].pk,))) == ["Fibre: no internet connection"]

    def test_a_category_narrows_every_stage(self, library, app):
        assert titles(searched(app, "no", category_codes=("no-service",))) == [
            "Fibre: no internet connection",
            "Mobile: no signal",
        ]
        assert titles(searched(app, "no internt", category_codes=("slow-connection",))) == [
            "Fibre: slower than expected speeds"
        ]

    def test_typos_are_corrected_only_to_words_of_the_narrowed_articles(self, library, app):
        found = searched(app, "signl", offering_ids=(library["fibre"].pk,))
        assert (found.stage, found.hits) == ("none", [])


class TestWhoReadsWhat:
    def test_drafts_reach_nobody_and_agents_articles_only_staff_allowed(self, library, app, staff_client):
        assert "Fibre: draft about internet" not in titles(searched(app, "internet"))
        assert "Agents: testing a fibre line" not in titles(searched(app, "line test"))
        agent = principal_for(staff_client("agent").user)
        assert titles(searched(agent, "line test")) == ["Agents: testing a fibre line"]
        manager = principal_for(staff_client("catalog_manager").user)
        assert "Fibre: draft about internet" not in titles(searched(manager, "draft"))

    def test_nobody_unauthenticated(self, library):
        assert searched(None, "internet").hits == []


class TestTheScanPath:
    """The embedded mode (SQLite) corrects typos by a scan with ``overlay.trigrams``' scores: the same words."""

    @pytest.mark.parametrize("text", ["no internt fibre", "fiber speds", "retrning phone", "mobil signl"])
    def test_the_scan_corrects_as_the_index_does(self, library, app, monkeypatch, text):
        indexed = searched(app, text)
        monkeypatch.setattr(search_module, "is_postgres", lambda: False)
        scanned = searched(app, text)
        assert indexed.stage == "typos"
        assert (scanned.stage, scanned.corrected, titles(scanned)) == (
            indexed.stage,
            indexed.corrected,
            titles(indexed),
        )


class TestVocabulary:
    def test_an_article_saved_again_keeps_only_its_current_words(self, library):
        from knowledge.services import article_save

        returns = library["returns"]
        returns.body = "Bring it to a store."
        article_save(returns)
        terms = set(ArticleTerm.objects.filter(article=returns).values_list("term", flat=True))
        assert "store" in terms and "reset" not in terms


class TestRelevantForAgents:
    def test_articles_about_what_the_customer_holds_agents_ones_for_agents(self, library, app, staff_client):
        agent = principal_for(staff_client("agent").user)
        held = {"offering_ids": [library["fibre"].pk]}
        assert [a.title for a in articles_relevant(agent, **held)] == [
            "Agents: testing a fibre line",
            "Fibre: no internet connection",
            "Fibre: slower than expected speeds",
        ]
        assert [a.title for a in articles_relevant(app, **held, limit=1)] == ["Fibre: no internet connection"]

    def test_matching_a_category_too_ranks_first(self, library, app):
        found = articles_relevant(app, offering_ids=[library["fibre"].pk], category_codes=["slow-connection"])
        assert [a.title for a in found] == ["Fibre: slower than expected speeds", "Fibre: no internet connection"]

    def test_with_text_the_search_decides_and_what_they_hold_goes_first(self, library, app):
        found = articles_relevant(app, offering_ids=[library["mobile"].pk], text="no")
        assert [a.title for a in found][:1] == ["Mobile: no signal"]
        assert {a.title for a in found} == {
            "Mobile: no signal",
            "Fibre: no internet connection",
            "Fibre: slower than expected speeds",
        }

    def test_nothing_held_nothing_relevant(self, library, app):
        assert articles_relevant(app) == []
