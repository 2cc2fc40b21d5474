"""TMF620 endpoints: thin views over the catalog's selectors, representations and services."""

import hashlib
from functools import cached_property

import orjson
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.api import outputs, representations
from catalog.api.filters import (
    CategoryFilterSet,
    ProductOfferingFilterSet,
    ProductOfferingPriceFilterSet,
    ProductSpecificationFilterSet,
)
from catalog.api.fragments import offering_fragments
from catalog.api.serializers import (
    CategoryInput,
    EstimateInput,
    ProductOfferingInput,
    ProductOfferingPriceInput,
    ProductSpecificationInput,
    QuoteInput,
)
from catalog.models import Category, ProductOfferingPrice, ProductSpecification
from catalog.offering_rows import offering_rows
from catalog.pricing import PricingContext, PricingItem, estimate_usage, price_items
from overlay.api.permissions import AuthenticatedPrincipal
from overlay.api.principal import principal_of
from overlay.api.renderers import render_plain_json
from overlay.api.representation import parse_fields, select_fields
from overlay.api.views import RepresentationContext, TMFResourceViewSet
from overlay.tmf import CATALOG

PAGE_PARAMETERS = frozenset({"offset", "limit", "fields"})  # what changes a page, not which rows match


class CatalogViewSet(TMFResourceViewSet):
    read_scope = None  # any authenticated channel application or staff user
    write_scope = "catalog:write"

    @property
    def list_cache_seconds(self) -> int:
        return settings.CATALOG_PAGE_CACHE_SECONDS

    @cached_property
    def catalog_revision(self) -> int:
        """The revision this request reads at (asked of the cache once per request)."""
        return selectors.catalog_revision()

    def list_cache_version(self) -> str | None:
        return str(self.catalog_revision) if self.list_cache_seconds else None

    def cached_page(self, request):
        """The revision and the page kept for it, in one cache call (between two catalog writes)."""
        if not self.list_cache_seconds:
            return None, None
        revision, key, page = selectors.catalog_revision_and_entry(lambda r: self._page_cache_key(request, str(r)))
        self.__dict__["catalog_revision"] = revision  # the cached property: what the rest of the request reads at
        return key, page

    def visibility_key(self, principal) -> str:
        return "manager" if selectors.can_manage_catalog(principal) else f"channel:{principal.channel}"

    def count(self, queryset) -> int:
        """Counting every visible row costs more than rendering a page: the count is kept per catalog
        revision, caller's view and filters, for the current minute (a validity window opening or closing
        shows in the rows at once, in ``X-Total-Count`` within the minute)."""
        seconds = settings.CATALOG_RENDER_CACHE_SECONDS
        if not seconds:
            return super().count(queryset)
        filters = sorted((k, v) for k, v in self.request.query_params.lists() if k not in PAGE_PARAMETERS)
        raw = "|".join(
            [
                self.resource_type,
                str(self.catalog_revision),
                timezone.now().strftime("%Y%m%d%H%M"),
                self.visibility_key(self.principal),
                repr(filters),
            ]
        )
        key = "catalog:count:" + hashlib.sha256(raw.encode()).hexdigest()
        total = cache.get(key)
        if total is None:
            total = super().count(queryset)
            cache.set(key, total, min(seconds, 60))
        return total


class ProductOfferingViewSet(CatalogViewSet):
    resource_type = "ProductOffering"
    output_serializer_class = outputs.ProductOfferingOutput
    base_path = f"{CATALOG.base}/productOffering"
    filterset_class = ProductOfferingFilterSet
    create_serializer_class = ProductOfferingInput
    update_serializer_class = ProductOfferingInput

    def get_queryset(self):
        return selectors.offerings_visible(self.principal, timezone.now())

    def represent(self, obj, ctx):
        return representations.product_offering(offering_rows([obj.pk])[obj.pk], ctx)

    def render_page(self, queryset, offset: int, limit: int) -> tuple[bytes, int]:
        # The page's ids from the database, their JSON from fragments kept per catalog revision.
        ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
        fragments = offering_fragments(ids, RepresentationContext(self.request), self.catalog_revision)
        found = [fragments[i] for i in ids if i in fragments]  # one deleted in between is left out
        fields = parse_fields(self.request.query_params.get("fields"))
        if fields is None:
            return b"[" + b",".join(found) + b"]", len(found)
        return render_plain_json([select_fields(orjson.loads(body), fields) for body in found]), len(found)

    def perform_create(self, data):
        return services.offering_create(data)

    def perform_update(self, obj, data):
        return services.offering_update(obj, data)

    def perform_destroy(self, obj):
        services.offering_delete(obj)


class ProductSpecificationViewSet(CatalogViewSet):
    resource_type = "ProductSpecification"
    output_serializer_class = outputs.ProductSpecificationOutput
    base_path = f"{CATALOG.base}/productSpecification"
    filterset_class = ProductSpecificationFilterSet
    create_serializer_class = ProductSpecificationInput
    update_serializer_class = ProductSpecificationInput

    def get_queryset(self):
        return selectors.published(ProductSpecification, self.principal, timezone.now())

    def with_related(self, queryset):
        return selectors.specifications_with_related(queryset)

    def represent(self, obj, ctx):
        return representations.product_specification(obj, ctx)

    def perform_create(self, data):
        return services.specification_create(data)

    def perform_update(self, obj, data):
        return services.specification_update(obj, data)

    def perform_destroy(self, obj):
        services.specification_delete(obj)


class ProductOfferingPriceViewSet(CatalogViewSet):
    resource_type = "ProductOfferingPrice"
    output_serializer_class = outputs.ProductOfferingPriceOutput
    base_path = f"{CATALOG.base}/productOfferingPrice"
    filterset_class = ProductOfferingPriceFilterSet
    create_serializer_class = ProductOfferingPriceInput
    update_serializer_class = ProductOfferingPriceInput

    def get_queryset(self):
        return selectors.published(ProductOfferingPrice, self.principal, timezone.now())

    def with_related(self, queryset):
        return selectors.prices_with_related(queryset)

    def represent(self, obj, ctx):
        return representations.product_offering_price(obj, ctx)

    def perform_create(self, data):
        return services.price_create(data)

    def perform_update(self, obj, data):
        return services.price_update(obj, data)

    def perform_destroy(self, obj):
        services.price_delete(obj)


class CategoryViewSet(CatalogViewSet):
    resource_type = "Category"
    output_serializer_class = outputs.CategoryOutput
    base_path = f"{CATALOG.base}/category"
    filterset_class = CategoryFilterSet
    create_serializer_class = CategoryInput
    update_serializer_class = CategoryInput

    def get_queryset(self):
        return selectors.published(Category, self.principal, timezone.now())

    def with_related(self, queryset):
        return selectors.categories_with_related(queryset)

    def represent(self, obj, ctx):
        return representations.category(obj, ctx)

    def perform_create(self, data):
        return services.category_create(data)

    def perform_update(self, obj, data):
        return services.category_update(obj, data)

    def perform_destroy(self, obj):
        services.category_delete(obj)


# --- Overlay extension: the pricing engine over HTTP ----------------------------------
def _pricing_context(request, data) -> PricingContext:
    principal = principal_of(request)
    channel = principal.channel
    if data.get("channel"):
        if not selectors.can_manage_catalog(principal):
            raise PermissionDenied("Only catalog managers may price as another channel.")
        channel = data["channel"]
    if data.get("date") and not selectors.can_manage_catalog(principal):
        raise PermissionDenied("Only catalog managers may price at another date.")
    return PricingContext(at=data.get("date") or timezone.now(), channel=channel, segment=data.get("segment") or None)


class QuoteView(APIView):
    """Price items for the caller's channel: per item and in total, with every alteration and tax."""

    # A quote writes nothing: any authenticated caller may ask for one.
    permission_classes = [AuthenticatedPrincipal]
    serializer_class = QuoteInput

    @extend_schema(request=QuoteInput, responses={200: outputs.Quote})
    def post(self, request):
        serializer = QuoteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        context = _pricing_context(request, data)
        items = [
            PricingItem(
                offering_id=item["productOffering"]["id"],
                quantity=item["quantity"],
                characteristics=item["characteristic"],
                usage=item["usage"],
                members=item["bundledProductOffering"],
            )
            for item in data["item"]
        ]
        visible = selectors.offerings_visible(principal_of(request), context.at)
        pricing = selectors.pricing_data([i.offering_id for i in items], visible, context.at)
        return Response(representations.quote(price_items(items, pricing, context)))


class EstimateView(QuoteView):
    """What a given consumption costs on a usage-priced offering.

    ``units`` says what is priced: here the ``usage`` given. The usage app extends it with the caller's
    actual usage (``usage.api.extensions``): the catalog knows nothing of what customers used.
    """

    serializer_class = EstimateInput

    def units(self, request, data: dict) -> tuple[dict, dict]:
        """The quantities to price (by unit of measure or metric code) and what the answer adds about them."""
        return data["usage"], {}

    @extend_schema(request=EstimateInput, responses={200: outputs.ItemQuote})
    def post(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        context = _pricing_context(request, data)
        offering_id = data["productOffering"]["id"]
        units, described = self.units(request, data)
        visible = selectors.offerings_visible(principal_of(request), context.at)
        pricing = selectors.pricing_data([offering_id], visible, context.at)
        estimate = representations.item_quote(estimate_usage(offering_id, units, pricing, context))
        return Response({**estimate, **described})
