"""Reads on knowledge, each scoped to what the caller may read: published articles; agents-only ones for staff
allowed to read articles in the admin (``knowledge.view_article``: agents, supervisors, catalog managers)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from catalog.models import ProductOffering, ProductSpecification
from knowledge.models import Article, ArticleFeedback, ArticleStatus, Audience, TicketCategory
from knowledge.search import ArticleSearch, about_condition, article_search, category_condition
from overlay.principal import Principal

AGENT_PERMISSION = "knowledge.view_article"
RELEVANT_SEARCHED = 50  # search hits ranked again by what the customer holds


def reads_agent_articles(principal: Principal | None) -> bool:
    return principal is not None and principal.is_staff and principal.user.has_perm(AGENT_PERMISSION)


def articles_visible(principal: Principal | None) -> QuerySet[Article]:
    """Published articles the caller may read: every caller the customers' ones, staff with the permission
    the agents' ones too. Drafts only in the admin."""
    if principal is None:
        return Article.objects.none()
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    if reads_agent_articles(principal):
        return published
    return published.filter(audience=Audience.CUSTOMERS)


def articles_with_related(articles: QuerySet[Article]) -> QuerySet[Article]:
    """What a list or a detail shows: categories, offerings and specifications by name, three queries."""
    return articles.prefetch_related(
        Prefetch("categories", queryset=TicketCategory.objects.only("code", "name")),
        Prefetch("offerings", queryset=ProductOffering.objects.only("id", "name")),
        Prefetch("specifications", queryset=ProductSpecification.objects.only("id", "name")),
    )


def with_feedback_counts(articles: QuerySet[Article]) -> QuerySet[Article]:
    """Each article with ``helpful``, ``not_helpful`` and ``deflected`` answers counted (one query)."""
    return articles.annotate(
        helpful_count=Count("feedback", filter=Q(feedback__helpful=True)),
        not_helpful_count=Count("feedback", filter=Q(feedback__helpful=False)),
        deflected_count=Count("feedback", filter=Q(feedback__deflected=True)),
    )


def articles_relevant(
    principal: Principal | None,
    *,
    offering_ids: Iterable[str] = (),
    specification_ids: Iterable[str] = (),
    category_codes: Iterable[str] = (),
    text: str = "",
    limit: int = 5,
) -> list[Article]:
    """The published articles most relevant to what a customer holds and tells (agents' articles too, for
    agents). With ``text``: the search's hits, those about the customer's products or categories first.
    Without: the articles about them, those matching on both and found most helpful first."""
    one, zero = Value(1, output_field=IntegerField()), Value(0, output_field=IntegerField())
    relevance = Case(When(about_condition(offering_ids, specification_ids), then=one), default=zero) + Case(
        When(category_condition(category_codes), then=one), default=zero
    )
    visible = articles_visible(principal)
    if text.strip():
        hits = article_search(visible, ArticleSearch(text=text, limit=RELEVANT_SEARCHED)).hits
        rank = {hit.article.pk: index for index, hit in enumerate(hits)}
        scores = dict(visible.filter(pk__in=list(rank)).annotate(relevance=relevance).values_list("pk", "relevance"))
        chosen = sorted(rank, key=lambda pk: (-scores.get(pk, 0), rank[pk]))[:limit]
        found = {article.pk: article for article in articles_with_related(visible.filter(pk__in=chosen))}
        return [found[pk] for pk in chosen if pk in found]
    ranked = (
        with_feedback_counts(visible.annotate(relevance=relevance))
        .filter(relevance__gt=0)
        .order_by("-relevance", "-helpful_count", "title", "pk")
    )
    return list(articles_with_related(ranked)[:limit])


@dataclass(frozen=True)
class CategoryDeflection:
    code: str
    name: str
    helpful: int
    not_helpful: int
    deflected: int


def _answers_counted(condition: Q) -> Subquery:
    """How many answers count for the outer ticket category and meet ``condition``: those naming it, and
    those naming none on an article answering it."""
    for_category = Q(category=OuterRef("pk")) | Q(category__isnull=True, article__categories=OuterRef("pk"))
    answers = (
        ArticleFeedback.objects.filter(for_category, condition)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(total=Count("pk", distinct=True))
        .values("total")
    )
    return Coalesce(Subquery(answers, output_field=IntegerField()), 0)


def categories_with_deflection(categories: QuerySet[TicketCategory]) -> QuerySet[TicketCategory]:
    """Each category with ``helpful_count``, ``not_helpful_count`` and ``deflected_count`` (one query)."""
    return categories.annotate(
        helpful_count=_answers_counted(Q(helpful=True)),
        not_helpful_count=_answers_counted(Q(helpful=False)),
        deflected_count=_answers_counted(Q(deflected=True)),
    )


def deflection_by_category() -> list[CategoryDeflection]:
    """Per ticket category with answers: helpful and unhelpful answers, and deflected tickets. An answer
    counts for the category the customer named, else for each category its article answers (one query)."""
    rows = categories_with_deflection(TicketCategory.objects.order_by("code"))
    return [
        CategoryDeflection(c.code, c.name, c.helpful_count, c.not_helpful_count, c.deflected_count)
        for c in rows
        if c.helpful_count or c.not_helpful_count
    ]
