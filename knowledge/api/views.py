"""``/api/v1/knowledge``: self-service answers before a trouble ticket.

- ``GET /api/v1/knowledge/article``: published articles, searched (``q``: exact phrase, then words, then
  typos) and narrowed (``offering``, ``specification``, ``category``, ``audience``); mounted by the console
  layer with ``product`` as well (``console.api.knowledge``), which knows what customers hold.
- ``GET /api/v1/knowledge/article/{id}``: one article with its body; counts a view.
- ``POST /api/v1/knowledge/article/{id}/feedback``: "did this answer your question?", rate-limited.

Every authenticated caller reads customers' articles (a storefront shows them to visitors it has not
signed in, through its own token); staff allowed to read articles read agents' ones too. Anonymous
requests are refused (401), as everywhere in Overlay: a channel application is always the caller.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from knowledge import selectors, services
from knowledge.api import representations
from knowledge.models import Audience
from knowledge.search import ArticleSearch, article_search
from overlay.api.outputs import Ref, shape, text, timestamp
from overlay.api.permissions import AuthenticatedPrincipal
from overlay.api.principal import principal_of
from overlay.api.throttling import PrincipalRateThrottle
from overlay.api.views import RepresentationContext
from overlay.errors import NotFound
from overlay.principal import Principal

ID = r"^[A-Za-z0-9_-]{1,64}$"


class ArticleListInput(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="The question, in words.")
    offering = serializers.RegexField(ID, required=False, help_text="Only articles about this product offering.")
    specification = serializers.RegexField(
        ID, required=False, help_text="Only articles about this product specification."
    )
    category = serializers.SlugField(
        required=False, max_length=64, help_text="Only articles answering this ticket category (its code)."
    )
    audience = serializers.ChoiceField(choices=Audience.values, required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


Category = shape("KnowledgeCategory", {"code": text(), "name": text()})
ArticleFields = {
    "id": text(),
    "href": text(),
    "title": text(),
    "summary": text(),
    "audience": serializers.ChoiceField(choices=Audience.values),
    "category": Category(many=True, required=False),
    "productOffering": Ref(many=True, required=False),
    "productSpecification": Ref(many=True, required=False),
    "lastUpdate": timestamp(),
    "@type": text(),
}
ArticleHit = shape("KnowledgeArticleHit", {**ArticleFields, "relevance": serializers.IntegerField()})
ArticleDetail = shape("KnowledgeArticle", {**ArticleFields, "body": text()})
ArticleList = shape(
    "KnowledgeArticleList",
    {
        "stage": serializers.ChoiceField(choices=["all", "exact", "words", "typos", "partial", "none"]),
        "didYouMean": text(False),
        "result": ArticleHit(many=True),
    },
)


class ArticleListView(APIView):
    """Published articles for a question, narrowed by what it is about; the best first."""

    permission_classes = [AuthenticatedPrincipal]
    input_class = ArticleListInput

    def about(self, principal: Principal, values: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(offering ids, specification ids) the articles must be about (any of them); none: any article."""
        offerings = (values["offering"],) if "offering" in values else ()
        specifications = (values["specification"],) if "specification" in values else ()
        return offerings, specifications

    @extend_schema(operation_id="listKnowledgeArticles", parameters=[ArticleListInput], responses={200: ArticleList})
    def get(self, request):
        params = self.input_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        values = params.validated_data
        principal = principal_of(request)
        offering_ids, specification_ids = self.about(principal, values)
        search = ArticleSearch(
            text=values.get("q", ""),
            offering_ids=offering_ids,
            specification_ids=specification_ids,
            category_codes=(values["category"],) if "category" in values else (),
            audience=values.get("audience", ""),
            limit=values["limit"],
        )
        found = article_search(selectors.articles_with_related(selectors.articles_visible(principal)), search)
        ctx = RepresentationContext(request)
        body = {
            "stage": found.stage,
            "result": [representations.article(hit.article, ctx, score=hit.score) for hit in found.hits],
        }
        if found.corrected:
            body["didYouMean"] = found.corrected
        return Response(body)


def visible_article(principal: Principal, article_id: str):
    article = selectors.articles_with_related(selectors.articles_visible(principal)).filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"No article with id '{article_id}'.")
    return article


class ArticleView(APIView):
    """One published article, with its body (plain text); reading it counts a view."""

    permission_classes = [AuthenticatedPrincipal]

    @extend_schema(operation_id="retrieveKnowledgeArticle", responses={200: ArticleDetail})
    def get(self, request, article_id: str):
        article = visible_article(principal_of(request), article_id)
        services.article_viewed(article.pk)
        return Response(representations.article(article, RepresentationContext(request), body=True))


class FeedbackInput(serializers.Serializer):
    helpful = serializers.BooleanField(help_text="Did this article answer the question?")
    category = serializers.SlugField(
        required=False, max_length=64, help_text="What the trouble was: a ticket category's code."
    )


FeedbackOutput = shape(
    "KnowledgeFeedback",
    {
        "id": text(),
        "article": Ref(),
        "helpful": serializers.BooleanField(),
        "category": text(False),
        "channel": text(),
        "recordedAt": timestamp(),
        "@type": text(),
    },
)


class FeedbackThrottle(PrincipalRateThrottle):
    """Answers per customer (a customer token), application or staff user: votes cannot be stuffed."""

    scope = "knowledge_feedback"


class FeedbackView(APIView):
    """``POST``: record whether the article helped; a customer's new answer replaces their earlier one
    (201 the first time, 200 after)."""

    permission_classes = [AuthenticatedPrincipal]
    throttle_classes = [PrincipalRateThrottle, FeedbackThrottle]

    @extend_schema(
        operation_id="createKnowledgeFeedback",
        request=FeedbackInput,
        responses={201: FeedbackOutput, 200: FeedbackOutput},
    )
    def post(self, request, article_id: str):
        principal = principal_of(request)
        article = visible_article(principal, article_id)
        serializer = FeedbackInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answer = services.feedback_record(
            principal,
            article,
            helpful=data["helpful"],
            category_code=data.get("category", ""),
            at=timezone.now(),
        )
        body = representations.feedback(answer.feedback, RepresentationContext(request))
        return Response(body, status=201 if answer.created else 200)
