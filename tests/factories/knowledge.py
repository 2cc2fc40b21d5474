"""Knowledge articles saved through the service (search columns and vocabulary as in production)."""

from knowledge.models import Article, ArticleStatus, Audience, TicketCategory
from knowledge.services import article_save


def category(code: str, name: str = "") -> TicketCategory:
    return TicketCategory.objects.get_or_create(
        code=code, defaults={"name": name or code.replace("-", " ").capitalize()}
    )[0]


def article(
    title: str,
    summary: str = "",
    body: str = "",
    *,
    audience: str = Audience.CUSTOMERS,
    status: str = ArticleStatus.PUBLISHED,
    offerings=(),
    specifications=(),
    categories=(),
) -> Article:
    saved = article_save(
        Article(
            title=title,
            summary=summary or f"About {title.lower()}.",
            body=body or f"What to do: {title.lower()}.",
            audience=audience,
            status=status,
        )
    )
    saved.offerings.set(offerings)
    saved.specifications.set(specifications)
    saved.categories.set([category(code) for code in categories])
    return saved
