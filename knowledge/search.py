"""Multi-stage article search, as customers' search is multi-stage (``customers.search``):

1. **exact**: the question's words as a phrase, at word boundaries, in the title, summary or body;
2. **words**: every word of the question (stop words aside) somewhere in the article, a word of four letters
   or more also as a word's start ("return" finds "returning");
3. **typos**: each word no article knows is read as the nearest word the articles do know, by trigram
   similarity (pg_trgm's ``%``, GIN-indexed on PostgreSQL, migration 0003; on SQLite the same scores by
   ``overlay.trigrams`` over the narrowed articles' vocabulary), then the words stage again:
   "no internt fibre" finds "Fibre: no internet connection";
4. **partial**: when no article has every word, the articles with most of them.

Filters narrow every stage: what the article is about (offerings, specifications, an offering's
specification), ticket categories, audience. Hits are ranked: a match in the title weighs 3, in the
summary 2, in the body 1; then by title. The caller passes the articles it may read
(``knowledge.selectors.articles_visible``).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from catalog.models import ProductOffering
from knowledge.models import Article, ArticleTerm
from knowledge.text import normalise, query_words, word_pattern
from overlay import trigrams
from overlay.bulk import is_postgres


@dataclass(frozen=True)
class ArticleSearch:
    text: str = ""
    offering_ids: tuple[str, ...] = ()
    specification_ids: tuple[str, ...] = ()
    category_codes: tuple[str, ...] = ()
    audience: str = ""
    limit: int = 20


@dataclass(frozen=True)
class Hit:
    article: Article
    score: int


@dataclass(frozen=True)
class Found:
    stage: str  # "all" (no question), "exact", "words", "typos", "partial" or "none"
    hits: list[Hit]
    corrected: str = ""  # the question as the typos stage read it
    words: list[str] = field(default_factory=list)


def about_condition(offering_ids: Iterable[str], specification_ids: Iterable[str]) -> Q:
    """Articles about any of these offerings, these specifications, or the offerings' specifications."""
    offering_ids, specification_ids = list(offering_ids), list(specification_ids)
    of_offerings = ProductOffering.objects.filter(pk__in=offering_ids, specification__isnull=False)
    offerings = Article.offerings.through.objects.filter(article_id=OuterRef("pk"), productoffering_id__in=offering_ids)
    specifications = Article.specifications.through.objects.filter(article_id=OuterRef("pk")).filter(
        Q(productspecification_id__in=specification_ids)
        | Q(productspecification_id__in=of_offerings.values("specification_id"))
    )
    return Q(Exists(offerings)) | Q(Exists(specifications))


def category_condition(category_codes: Iterable[str]) -> Q:
    links = Article.categories.through.objects.filter(
        article_id=OuterRef("pk"), ticketcategory__code__in=list(category_codes)
    )
    return Q(Exists(links))


def narrowed(articles: QuerySet[Article], search: ArticleSearch) -> QuerySet[Article]:
    if search.offering_ids or search.specification_ids:
        articles = articles.filter(about_condition(search.offering_ids, search.specification_ids))
    if search.category_codes:
        articles = articles.filter(category_condition(search.category_codes))
    if search.audience:
        articles = articles.filter(audience=search.audience)
    return articles


def _weight(pattern: str) -> Case:
    return Case(
        When(search_title__contains=pattern, then=Value(3)),
        When(search_summary__contains=pattern, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )


def _ranked(articles: QuerySet[Article], patterns: list[str], limit: int, *, every: bool = True) -> list[Hit]:
    """Articles with every pattern (or, ``every=False``, with any), best first: a pattern weighs 3 in the
    title, 2 in the summary, 1 in the body, 0 where it is not."""
    condition = Q()
    score = Value(0, output_field=IntegerField())
    for pattern in patterns:
        found_here = Q(search_text__contains=pattern)
        condition = condition & found_here if every else condition | found_here
        score = score + Case(When(found_here, then=_weight(pattern)), default=Value(0), output_field=IntegerField())
    found = articles.filter(condition).annotate(score=score).order_by("-score", "title", "pk")[:limit]
    return [Hit(article, article.score) for article in found]


def _known(articles: QuerySet[Article], words: list[str]) -> set[str]:
    """The words some narrowed article has (whole, or as a word's start for long words)."""
    condition = Q()
    for word in words:
        condition |= Q(term=word) if len(word) < 4 else Q(term__startswith=word)
    terms = set(ArticleTerm.objects.filter(condition, article__in=articles).values_list("term", flat=True))
    return {w for w in words if any(t == w or (len(w) >= 4 and t.startswith(w)) for t in terms)}


def _nearest(articles: QuerySet[Article], word: str) -> str | None:
    """The narrowed articles' word nearest to ``word``, if any is similar enough (pg_trgm's threshold)."""
    terms = ArticleTerm.objects.filter(article__in=articles)
    if is_postgres():
        nearest = (
            terms.filter(term__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("term", word))
            .order_by("-similarity", "term")
            .values_list("term", flat=True)
            .first()
        )
        return nearest
    scored = [(trigrams.similarity(word, term), term) for term in set(terms.values_list("term", flat=True).distinct())]
    scored = [(-s, term) for s, term in scored if s >= trigrams.THRESHOLD]
    return min(scored)[1] if scored else None


def article_search(articles: QuerySet[Article], search: ArticleSearch) -> Found:
    """The first stage that finds something, narrowed by the search's filters; without text, every article
    narrowed, by title."""
    articles = narrowed(articles, search)
    if not search.text.strip():
        return Found("all", [Hit(a, 0) for a in articles.order_by("title", "pk")[: search.limit]])
    words = query_words(search.text)
    if not words:
        return Found("none", [])
    phrase = normalise(search.text)
    if hits := _ranked(articles, [phrase], search.limit):
        return Found("exact", hits, words=words)
    if hits := _ranked(articles, [word_pattern(w) for w in words], search.limit):
        return Found("words", hits, words=words)
    known = _known(articles, words)
    corrected = []
    for word in words:
        nearest = word if word in known else _nearest(articles, word)
        if nearest and nearest not in corrected:
            corrected.append(nearest)
    read_as = " ".join(corrected) if corrected != words else ""
    if read_as and (hits := _ranked(articles, [word_pattern(w) for w in corrected], search.limit)):
        return Found("typos", hits, corrected=read_as, words=corrected)
    # No article has them all: those with the most of them ("how do I read my bill" finds the bill).
    hits = _ranked(articles, [word_pattern(w) for w in corrected], search.limit, every=False) if corrected else []
    return Found("partial" if hits else "none", hits, corrected=read_as, words=corrected)
