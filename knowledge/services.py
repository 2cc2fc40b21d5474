"""Writes on knowledge: articles (from the admin), views, "did this answer your question?", deflection."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from knowledge.models import Article, ArticleFeedback, ArticleStatus, ArticleTerm, TicketCategory
from knowledge.text import normalise, words
from overlay.errors import UnprocessableEntity
from overlay.principal import Principal


def deflection_window() -> timedelta:
    """How long after a helpful answer a ticket in the same category still means it did not help."""
    return timedelta(hours=settings.KNOWLEDGE_DEFLECTION_HOURS)


@transaction.atomic
def article_save(article: Article) -> Article:
    """Save an article written in the admin: its search columns and vocabulary follow its text, and it
    is stamped published the first time it is. Links (offerings, specifications, categories) are the
    form's to save after."""
    if not article.title.strip() or not article.summary.strip() or not article.body.strip():
        raise UnprocessableEntity("an article needs a title, a summary and a body.", field="body")
    article.search_title = normalise(article.title)
    article.search_summary = normalise(article.summary)
    article.search_text = normalise(f"{article.title}\n{article.summary}\n{article.body}")
    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.save()
    vocabulary = set(words(article.search_text))
    ArticleTerm.objects.filter(article=article).exclude(term__in=vocabulary).delete()
    known = set(ArticleTerm.objects.filter(article=article).values_list("term", flat=True))
    ArticleTerm.objects.bulk_create([ArticleTerm(article=article, term=t) for t in sorted(vocabulary - known)])
    return article


def article_viewed(article_id: str) -> None:
    """Count one reading of the article (an update in place: readers never wait on each other's rows)."""
    Article.objects.filter(pk=article_id).update(views=F("views") + 1)


@dataclass(frozen=True)
class FeedbackAnswer:
    feedback: ArticleFeedback
    created: bool


@transaction.atomic
def feedback_record(
    principal: Principal, article: Article, *, helpful: bool, category_code: str = "", at: datetime
) -> FeedbackAnswer:
    """Record "did this answer your question?" for an article the caller may read.

    A customer's later answer on the same article replaces their earlier one (one voice per customer and
    article); answers without a known customer are each counted. A helpful answer counts as a deflected
    ticket until ``ticket_opened`` says otherwise.
    """
    category = None
    if category_code:
        category = TicketCategory.objects.filter(code=category_code).first()
        if category is None:
            raise UnprocessableEntity(f"there is no ticket category '{category_code}'.", field="category")
    values = {
        "helpful": helpful,
        "category": category,
        "channel": principal.channel,
        "principal": principal.key,
        "deflected": helpful,
        "ticket_opened_at": None,
        "recorded_at": at,
    }
    customer_id = principal.customer_id or ""
    if customer_id:
        feedback, created = ArticleFeedback.objects.select_for_update().update_or_create(
            article=article, customer_id=customer_id, defaults=values
        )
        return FeedbackAnswer(feedback, created)
    return FeedbackAnswer(ArticleFeedback.objects.create(article=article, customer_id="", **values), True)


@transaction.atomic
def ticket_opened(customer_id: str, category_code: str, at: datetime) -> int:
    """A customer opened a trouble ticket in a category: their helpful answers of the window before it, on
    that category (as they said, or as the article is linked when they did not say), were no deflection.

    Called by ``care`` when a ticket is created; returns how many answers stopped counting as deflections.
    """
    if not customer_id:
        return 0
    about_category = Q(category__code=category_code) | Q(category__isnull=True, article__categories__code=category_code)
    found = ArticleFeedback.objects.filter(
        about_category,
        customer_id=customer_id,
        deflected=True,
        recorded_at__gte=at - deflection_window(),
        recorded_at__lte=at,
    ).values_list("pk", flat=True)
    return ArticleFeedback.objects.filter(pk__in=list(found)).update(deflected=False, ticket_opened_at=at)
