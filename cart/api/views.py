"""TMF663 shoppingCart, its line endpoints, attach, checkout, hand-offs and TMF679 qualification."""

import segno
from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cart import checkout, handoffs, selectors, services
from cart.api import outputs, preconditions, representations
from cart.api.filters import QualificationFilterSet, ShoppingCartFilterSet
from cart.api.serializers import (
    AttachInput,
    CartItemInput,
    CheckoutInput,
    HandoffInput,
    ItemChangeInput,
    QualificationInput,
    ShoppingCartInput,
)
from cart.assessment import assess_many, carts_for_assessment
from cart.errors import PriceChanged
from cart.models import ShoppingCart
from cart.qualification import QualificationRequest, qualification_create, qualification_delete
from customers.api.parties import customer_for
from customers.models import Customer
from customers.selectors import customers_visible
from orchestration.api.representations import product_order
from orchestration.models import ProductOrder
from orchestration.selectors import orders_with_related
from overlay.api.outputs import resource
from overlay.api.permissions import AuthenticatedPrincipal
from overlay.api.principal import principal_of
from overlay.api.throttling import HandoffClaimClientThrottle, HandoffClaimCodeThrottle
from overlay.api.views import RepresentationContext, TMFResourceViewSet
from overlay.errors import NotFound, UnprocessableEntity
from overlay.tmf import CART, QUALIFICATION


def expected_versions(request) -> set[int] | None:
    """The cart versions ``If-Match`` accepts (None: no precondition)."""
    return preconditions.versions_in(request.headers.get("If-Match"))


class CartRendering:
    """Rendering carts with their assessment (prices, validation) for the caller's channel."""

    def render_cart(self, request, cart_id: str) -> tuple[dict, str]:
        principal = principal_of(request)
        cart = carts_for_assessment(selectors.carts_visible(principal).filter(pk=cart_id)).first()
        if cart is None:
            raise NotFound(f"No ShoppingCart with id '{cart_id}'.")
        assessment = assess_many([cart], principal, timezone.now())[cart.pk]
        body = representations.shopping_cart(cart, assessment, RepresentationContext(request))
        return body, preconditions.cart_etag(cart, assessment)

    def visible_cart_id(self, request, cart_id: str) -> str:
        if not selectors.carts_visible(principal_of(request)).filter(pk=cart_id).exists():
            raise NotFound(f"No ShoppingCart with id '{cart_id}'.")
        return cart_id

    @staticmethod
    def require_write(request) -> None:
        """Changing a cart answers with the cart: it needs carts:read as well as carts:write."""
        principal = principal_of(request)
        if not (principal.has_scope("carts:write") and principal.has_scope("carts:read")):
            raise PermissionDenied("Your credentials do not grant changing carts.")


class ShoppingCartViewSet(CartRendering, TMFResourceViewSet):
    resource_type = "ShoppingCart"
    output_serializer_class = resource("ShoppingCart")
    base_path = f"{CART.base}/shoppingCart"
    read_scope = "carts:read"
    write_scope = "carts:write"
    filterset_class = ShoppingCartFilterSet
    create_serializer_class = ShoppingCartInput
    update_serializer_class = ShoppingCartInput
    http_method_names = ["get", "head", "options", "post", "patch", "delete"]

    def get_queryset(self):
        return selectors.carts_visible(self.principal)

    def with_related(self, queryset):
        return carts_for_assessment(queryset)

    def prepare(self, rows):
        self._assessments = assess_many(rows, self.principal, timezone.now())

    def represent(self, obj, ctx):
        return representations.shopping_cart(obj, self._assessments[obj.pk], ctx)

    def etag_for(self, obj, body):
        return preconditions.cart_etag(obj, self._assessments[obj.pk])

    def create(self, request, *args, **kwargs):
        serializer = ShoppingCartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cart, secret = services.cart_create(
            self.principal,
            customer=customer_for(self.principal, data.get("relatedParty")),
            items=data.get("cartItem") or [],
            contact_medium=data.get("contactMedium"),
        )
        body, etag = self.rendered(self.get_object(cart.pk))
        headers = {"Location": body["href"], "ETag": etag}
        if secret:
            # Shown once: whoever holds it may attach this anonymous cart to a customer later.
            headers["X-Cart-Secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    def partial_update(self, request, pk=None, *args, **kwargs):
        self.get_object(pk)  # 404 before anything else
        serializer = ShoppingCartInput(data=request.data)  # every attribute is optional already
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        versions = expected_versions(request)
        if data.get("relatedParty"):
            customer = customer_for(self.principal, data["relatedParty"])
            pk = services.cart_attach(pk, customer, self.principal).pk
            versions = None  # attaching is one more change; what follows applies to the result
        if "cartItem" in data or "contactMedium" in data:
            services.cart_update(
                pk,
                self.principal,
                expected_versions=versions,
                items=data.get("cartItem"),
                contact_medium=data.get("contactMedium"),
            )
        body, etag = self.rendered(self.get_object(pk))
        return Response(body, headers={"ETag": etag})

    def destroy(self, request, pk=None, *args, **kwargs):
        self.get_object(pk)
        services.cart_delete(pk, self.principal, expected_versions=expected_versions(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartItemsView(CartRendering, APIView):
    """``POST /api/v1/carts/{id}/items``: add one line without sending the whole cart back."""

    permission_classes = [AuthenticatedPrincipal]
    serializer_class = CartItemInput
    honours_if_match = True  # the cart's ETag (the schema documents 412)

    @extend_schema(responses={201: resource("ShoppingCart")})
    def post(self, request, cart_id):
        self.require_write(request)
        self.visible_cart_id(request, cart_id)
        serializer = CartItemInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = services.cart_item_add(
            cart_id, principal_of(request), serializer.validated_data, expected_versions=expected_versions(request)
        )
        body, etag = self.render_cart(request, cart_id)
        return Response(body, status=status.HTTP_201_CREATED, headers={"ETag": etag, "X-Cart-Item-Id": str(line.pk)})


class CartItemView(CartRendering, APIView):
    """``PATCH`` / ``DELETE /api/v1/carts/{id}/items/{item}``: change or remove one line."""

    permission_classes = [AuthenticatedPrincipal]
    serializer_class = ItemChangeInput
    honours_if_match = True

    @extend_schema(responses={200: resource("ShoppingCart")})
    def patch(self, request, cart_id, item_id):
        self.require_write(request)
        self.visible_cart_id(request, cart_id)
        serializer = ItemChangeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.cart_item_change(
            cart_id,
            item_id,
            principal_of(request),
            expected_versions=expected_versions(request),
            **serializer.validated_data,
        )
        body, etag = self.render_cart(request, cart_id)
        return Response(body, headers={"ETag": etag})

    @extend_schema(responses={200: resource("ShoppingCart")})
    def delete(self, request, cart_id, item_id):
        self.require_write(request)
        self.visible_cart_id(request, cart_id)
        services.cart_item_remove(cart_id, item_id, principal_of(request), expected_versions=expected_versions(request))
        body, etag = self.render_cart(request, cart_id)
        return Response(body, headers={"ETag": etag})


class CartAttachView(CartRendering, APIView):
    """``POST /api/v1/carts/{id}/attach``: the customer identified; their anonymous cart becomes theirs."""

    permission_classes = [AuthenticatedPrincipal]
    serializer_class = AttachInput

    @extend_schema(responses={200: resource("ShoppingCart")})
    def post(self, request, cart_id):
        self.require_write(request)
        principal = principal_of(request)
        serializer = AttachInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        if principal.customer_id is not None:
            # A customer reaches an anonymous cart only with its secret; nothing tells them it exists otherwise.
            secret = request.headers.get("X-Cart-Secret", "")
            cart = ShoppingCart.objects.filter(pk=cart_id, customer__isnull=True).first()
            if cart is None or not secret or services.secret_hash(secret) != cart.secret_hash:
                raise NotFound(f"No ShoppingCart with id '{cart_id}'.")
            customer = Customer.objects.get(pk=principal.customer_id)
        else:
            self.visible_cart_id(request, cart_id)
            party = serializer.validated_data.get("relatedParty")
            if not party:
                raise ValidationError({"relatedParty": "name the customer the cart belongs to."})
            customer = customer_for(principal, party["id"])
        cart = services.cart_attach(cart_id, customer, principal)
        body, etag = self.render_cart(request, cart.pk)
        return Response(body, headers={"ETag": etag, "Location": body["href"]})


class CheckoutView(CartRendering, APIView):
    """``POST /api/v1/carts/{id}/checkout`` with an ``Idempotency-Key``: one order per key, ever."""

    permission_classes = [AuthenticatedPrincipal]
    serializer_class = CheckoutInput
    honours_if_match = True  # the prices the customer saw

    @extend_schema(
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={201: resource("ProductOrder")},
    )
    def post(self, request, cart_id):
        principal = principal_of(request)
        may_order = principal.has_scope("orders:write") or principal.has_scope("carts:write")
        if not (may_order and principal.has_scope("carts:read")):
            raise PermissionDenied("Your credentials do not grant checking out.")
        # Whether the caller may see the cart is asked with the locking read (404 for a cart not theirs).
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 200:
            raise ValidationError(
                {"Idempotency-Key": "send a unique key (at most 200 characters) with every checkout."}
            )
        serializer = CheckoutInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = request.data if isinstance(request.data, dict) else {}
        try:
            result = checkout.cart_checkout(
                cart_id,
                principal,
                idempotency_key=key,
                body=body,
                seen=preconditions.seen_in(request.headers.get("If-Match")),
                place=serializer.validated_data.get("place"),
            )
        except PriceChanged as error:
            ctx = RepresentationContext(request)
            error.extra = {
                "cartTotalPrice": [representations.total_price(t) for t in error.assessment.totals],
                "shoppingCart": representations.shopping_cart(error.cart, error.assessment, ctx),
                "etag": preconditions.cart_etag(error.cart, error.assessment),
            }
            raise
        # A new order is rendered as it was taken (its items read once already); a replay as it is now.
        order = result.order
        if result.replayed:
            order = orders_with_related(ProductOrder.objects.filter(pk=result.order.pk)).get()
        order_body = product_order(order, RepresentationContext(request))
        headers = {"Location": order_body["href"]}
        if result.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(order_body, status=status.HTTP_201_CREATED, headers=headers)


class HandoffsView(CartRendering, APIView):
    """``POST /api/v1/handoffs``: a code, a deep link and a QR code that move a cart to another channel."""

    permission_classes = [AuthenticatedPrincipal]
    serializer_class = HandoffInput

    @extend_schema(responses={201: outputs.HandoffCreated})
    def post(self, request):
        self.require_write(request)
        serializer = HandoffInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cart_id = self.visible_cart_id(request, data["shoppingCart"]["id"])
        place = data.get("place")
        context = {
            "configurator": data.get("configurator") or {},
            "place": place.__dict__ if place else {},
            "note": data.get("note") or "",
        }
        created = handoffs.handoff_create(cart_id, principal_of(request), context)
        link = settings.HANDOFF_DEEP_LINK.format(code=created.code)
        qr = segno.make(link, error="m").svg_data_uri(scale=4)
        return Response(
            representations.handoff_created(created, link, qr),
            status=status.HTTP_201_CREATED,
        )


class HandoffClaimView(CartRendering, APIView):
    """``POST /api/v1/handoffs/{code}/claim``: continue the cart here, once."""

    permission_classes = [AuthenticatedPrincipal]
    throttle_classes = [HandoffClaimClientThrottle, HandoffClaimCodeThrottle]

    @extend_schema(request=None, responses={200: outputs.HandoffClaimed})
    def post(self, request, code):
        self.require_write(request)  # before the code is used up: the answer is the cart
        handoff = handoffs.handoff_claim(code, principal_of(request))
        body, etag = self.render_cart(request, handoff.cart.pk)
        return Response(representations.handoff_claimed(handoff, body), headers={"ETag": etag})


class QualificationViewSet(TMFResourceViewSet):
    """TMF679 productOfferingQualification: asked (POST), then read back by whoever asked."""

    resource_type = "ProductOfferingQualification"
    output_serializer_class = resource("ProductOfferingQualification")
    base_path = f"{QUALIFICATION.base}/productOfferingQualification"
    # Anyone authenticated may ask (customers for themselves); each reads back only their own.
    permission_classes = [AuthenticatedPrincipal]
    filterset_class = QualificationFilterSet
    create_serializer_class = QualificationInput
    http_method_names = ["get", "head", "options", "post", "delete"]

    def get_queryset(self):
        return selectors.qualifications_visible(self.principal)

    def represent(self, obj, ctx):
        return representations.qualification(obj, ctx)

    def perform_create(self, data):
        principal = self.principal
        parties = [p for p in data.get("relatedParty") or [] if (p.get("role") or "customer").lower() == "customer"]
        customer = None
        if principal.customer_id is not None:
            customer = Customer.objects.get(pk=principal.customer_id)
            if any(p["id"] != principal.customer_id for p in parties):
                raise PermissionDenied("A customer qualifies offerings for themself only.")
        elif parties:
            customer = customers_visible(principal).filter(pk=parties[0]["id"]).first()
            if customer is None:
                # Without customers:read an application cannot learn about customers this way either.
                raise UnprocessableEntity(f"relatedParty: there is no customer '{parties[0]['id']}' you may see.")
        places = data.get("place") or []
        request = QualificationRequest(
            questions=data["productOfferingQualificationItem"],
            customer=customer,
            place=places[0] if places else None,
            channel=(data.get("channel") or {}).get("id", ""),
            provide_alternative=data["provideAlternative"],
            only_available=data["provideOnlyAvailable"],
            unavailability_reasons=data["provideUnavailabilityReason"],
            expected_at=data["expected_at"],
            description=data["description"],
        )
        return qualification_create(principal, request, at=timezone.now())

    def perform_destroy(self, obj):
        qualification_delete(obj)
