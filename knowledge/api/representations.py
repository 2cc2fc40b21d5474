"""Knowledge articles as channels read them (``/api/v1/knowledge``): camelCase, hrefs, ``@type``."""

from knowledge.models import Article, ArticleFeedback
from overlay.api.representation import compact, timestamp
from overlay.api.views import RepresentationContext
from overlay.tmf import CATALOG

BASE = "/api/v1/knowledge/article"


def article_ref(article: Article, ctx: RepresentationContext) -> dict:
    return {"id": article.pk, "href": ctx.href(f"{BASE}/{article.pk}"), "name": article.title}


def article(article: Article, ctx: RepresentationContext, *, score: int | None = None, body: bool = False) -> dict:
    """An article (related rows from ``knowledge.selectors.articles_with_related``); its body in a detail.

    The body is plain text: a channel shows it as text (escaped), never as markup."""
    return compact(
        {
            "id": article.pk,
            "href": ctx.href(f"{BASE}/{article.pk}"),
            "title": article.title,
            "summary": article.summary,
            "body": article.body if body else None,
            "audience": article.audience,
            "category": [{"code": c.code, "name": c.name} for c in article.categories.all()],
            "productOffering": [
                {"id": o.pk, "href": ctx.href(f"{CATALOG.base}/productOffering/{o.pk}"), "name": o.name}
                for o in article.offerings.all()
            ],
            "productSpecification": [
                {"id": s.pk, "href": ctx.href(f"{CATALOG.base}/productSpecification/{s.pk}"), "name": s.name}
                for s in article.specifications.all()
            ],
            "relevance": score,
            "lastUpdate": timestamp(article.updated_at),
            "@type": "KnowledgeArticle",
        }
    )


def feedback(answer: ArticleFeedback, ctx: RepresentationContext) -> dict:
    return compact(
        {
            "id": str(answer.pk),
            "article": article_ref(answer.article, ctx),
            "helpful": answer.helpful,
            "category": answer.category.code if answer.category else None,
            "channel": answer.channel,
            "recordedAt": timestamp(answer.recorded_at),
            "@type": "KnowledgeFeedback",
        }
    )
