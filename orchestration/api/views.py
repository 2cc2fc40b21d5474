"""TMF622: productOrder (read, direct creation) and cancelProductOrder. Customers see and act on their own."""

from rest_framework import status
from rest_framework.response import Response

from customers.api.parties import customer_for
from customers.selectors import customers_visible
from orchestration import aftersales, placement, selectors, services
from orchestration.api import representations
from orchestration.api.filters import CancelProductOrderFilterSet, ProductOrderFilterSet
from orchestration.api.serializers import CancelProductOrderInput, ProductOrderInput
from overlay.api.outputs import resource
from overlay.api.views import TMFResourceViewSet
from overlay.errors import NotFound, UnprocessableEntity
from overlay.tmf import ORDERING


class ProductOrderViewSet(TMFResourceViewSet):
    resource_type = "ProductOrder"
    output_serializer_class = resource("ProductOrder")
    base_path = f"{ORDERING.base}/productOrder"
    read_scope = "orders:read"
    write_scope = "orders:write"
    filterset_class = ProductOrderFilterSet
    create_serializer_class = ProductOrderInput
    http_method_names = ["get", "head", "options", "post"]

    def get_queryset(self):
        return selectors.orders_visible(self.principal)

    def with_related(self, queryset):
        return selectors.orders_with_related(queryset)

    def represent(self, obj, ctx):
        return representations.product_order(obj, ctx)

    def create(self, request, *args, **kwargs):
        """Place an order directly: checked, qualified and priced like a checkout (``Idempotency-Key`` optional).

        ``category`` ``return``, ``exchange`` or ``repair``: an after-sales order of products the customer
        holds (``orchestration.aftersales``)."""
        serializer = ProductOrderInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = self.principal
        # A customer token's own customer, or the one named (as for carts); an order must name one
        # the caller may see.
        customer = customer_for(principal, serializer.validated_data.get("relatedParty"))
        if customer is None:
            raise UnprocessableEntity("relatedParty: name the customer (role customer) the order is for.")
        if principal.customer_id is None and not customers_visible(principal).filter(pk=customer.pk).exists():
            raise UnprocessableEntity(f"relatedParty: there is no customer '{customer.pk}'.")
        # A return, an exchange or a repair of a held product (``category``) has its own rules and plans.
        aftersale = aftersales.is_aftersales(serializer.validated_data["category"])
        place = aftersales.aftersales_place if aftersale else placement.order_place
        result = place(
            principal,
            serializer.to_request(customer.pk),
            idempotency_key=request.headers.get("Idempotency-Key", "")[:200],
            body=request.data,
        )
        # A new order is rendered as it was taken (its items read once already); a replay as it is now.
        body, etag = self.rendered(result.order if not result.replayed else self.get_object(result.order.pk))
        headers = {"Location": body["href"], "ETag": etag}
        return Response(
            body, status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED, headers=headers
        )


class CancelProductOrderViewSet(TMFResourceViewSet):
    """Cancelling is a right of its own (``orders:cancel``): supervisors, the customer, applications granted it."""

    resource_type = "CancelProductOrder"
    output_serializer_class = resource("CancelProductOrder")
    base_path = f"{ORDERING.base}/cancelProductOrder"
    read_scope = "orders:read"
    write_scope = "orders:cancel"
    filterset_class = CancelProductOrderFilterSet
    create_serializer_class = CancelProductOrderInput
    http_method_names = ["get", "head", "options", "post"]

    def get_queryset(self):
        return selectors.cancellations_visible(self.principal)

    def represent(self, obj, ctx):
        return representations.cancel_product_order(obj, ctx)

    def perform_create(self, data: dict):
        order_id = data["productOrder"]["id"]
        if not selectors.orders_visible(self.principal).filter(pk=order_id).exists():
            raise NotFound(f"No product order with id '{order_id}'.")
        return services.order_cancel(
            order_id,
            reason=data["cancellationReason"],
            actor=self.principal.actor,
            requested_date=data["requestedCancellationDate"],
        )
