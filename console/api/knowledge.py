"""``GET /api/v1/knowledge/article``, mounted here, above customers: ``product`` names a product the caller
holds (a customer: their own; applications and staff: one of a customer they may see; any other is a
``400``) and narrows the articles to those about its offering or specification. The rest is knowledge's
own view."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from customers.selectors import held_products_visible
from knowledge.api.views import ID, ArticleList, ArticleListInput, ArticleListView
from overlay.principal import Principal


class HeldProductArticleListInput(ArticleListInput):
    product = serializers.RegexField(
        ID, required=False, help_text="Only articles about this product the caller holds (its offering, its kind)."
    )


class HeldProductArticleListView(ArticleListView):
    input_class = HeldProductArticleListInput

    @extend_schema(
        operation_id="listKnowledgeArticles", parameters=[HeldProductArticleListInput], responses={200: ArticleList}
    )
    def get(self, request):
        return super().get(request)

    def about(self, principal: Principal, values: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
        offerings, specifications = super().about(principal, values)
        if "product" not in values:
            return offerings, specifications
        held = (
            held_products_visible(principal)
            .filter(pk=values["product"])
            .values_list("offering_id", "offering__specification_id")
            .first()
        )
        if held is None:
            # A parameter no product of the caller's answers: 400, the same whether the product is someone
            # else's or nobody's (the list is no way to learn which products exist).
            raise serializers.ValidationError({"product": f"No product with id '{values['product']}' of yours."})
        offering_id, specification_id = held
        return offerings + ((offering_id,) if offering_id else ()), specifications + (
            (specification_id,) if specification_id else ()
        )
