"""Overlay extensions on usage (``/api/v1``): a product's spend cap, and the cost estimate priced on the
caller's actual usage.

- ``/api/v1/products/{id}/spendCap``: ``GET``, ``PUT {"amount": {"value", "unit"}}`` and ``DELETE``. A
  customer acts on their own products (customer token); applications and staff by scope: reading needs
  usage:read, a change usage:write as well (staff: ``usage.change_spendcap``; agents hold it). The rule
  lives in ``usage.services``.
- ``POST /api/v1/pricing/estimate`` takes, instead of ``usage``, ``actualUsage: {"product": {"id"},
  "periods": 3}``: the product's average use of each metric over its last periods is priced. The
  catalog's view prices; this one says what to price (the catalog cannot read usage: layers).
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.outputs import ItemQuote
from catalog.api.serializers import EstimateInput
from catalog.api.views import EstimateView
from customers.models import HeldProduct
from customers.services import Actor
from overlay.api.outputs import Money, Ref, number, shape, timestamp
from overlay.api.permissions import AuthenticatedPrincipal
from overlay.api.principal import principal_of
from overlay.api.representation import money
from overlay.api.representation import number as render_number
from overlay.api.representation import timestamp as render_timestamp
from overlay.api.serializers import RefSerializer
from overlay.api.views import RepresentationContext
from overlay.errors import NotFound, UnprocessableEntity
from overlay.principal import Principal
from overlay.tmf import INVENTORY
from usage import services
from usage.models import SpendCap
from usage.selectors import READ_SCOPE, average_usage, usage_products_visible

WRITE_SCOPE = "usage:write"
MAX_PERIODS = 12


def usage_product(principal: Principal, product_id: str, *, write: bool = False) -> HeldProduct:
    """The product named, if the caller may act on its usage: 403 without the scope, 404 if not theirs."""
    if not principal.has_scope(READ_SCOPE):
        raise PermissionDenied("Your credentials do not grant reading usage.")
    if write and not principal.has_scope(WRITE_SCOPE):
        raise PermissionDenied("Your credentials do not grant changing usage settings.")
    product = usage_products_visible(principal).filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"No product with id '{product_id}'.")
    return product


# --- spend cap ---------------------------------------------------------------------------------
class CapAmountInput(serializers.Serializer):
    value = serializers.DecimalField(max_digits=None, decimal_places=None)
    unit = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 currency code, e.g. EUR.")


class SpendCapInput(serializers.Serializer):
    amount = CapAmountInput(help_text="The most to spend on the product's usage per billing period, tax included.")


SpendCapOutput = shape(
    "SpendCap",
    {"product": Ref(), "amount": Money(), "lastUpdate": timestamp(), "@type": serializers.CharField()},
)


def spend_cap_body(cap: SpendCap, product: HeldProduct, ctx: RepresentationContext) -> dict:
    return {
        "product": {
            "id": product.pk,
            "href": ctx.href(f"{INVENTORY.base}/product/{product.pk}"),
            "name": product.name,
            "@referredType": "Product",
        },
        "amount": money(cap.amount, cap.currency),
        "lastUpdate": render_timestamp(cap.set_at),
        "@type": "SpendCap",
    }


class SpendCapView(APIView):
    """``/api/v1/products/{id}/spendCap``: the most the customer wants to spend on a product's usage in a
    period. Reaching it raises a bill-shock alert (an event, an interaction), once per period."""

    permission_classes = [AuthenticatedPrincipal]

    @extend_schema(operation_id="retrieveSpendCap", responses={200: SpendCapOutput})
    def get(self, request, product_id: str):
        product = usage_product(principal_of(request), product_id)
        cap = SpendCap.objects.filter(product=product).first()
        if cap is None:
            raise NotFound(f"Product '{product_id}' has no spend cap.")
        return Response(spend_cap_body(cap, product, RepresentationContext(request)))

    @extend_schema(
        operation_id="setSpendCap", request=SpendCapInput, responses={200: SpendCapOutput, 201: SpendCapOutput}
    )
    def put(self, request, product_id: str):
        principal = principal_of(request)
        product = usage_product(principal, product_id, write=True)
        serializer = SpendCapInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        amount = serializer.validated_data["amount"]
        cap, created = services.spend_cap_set(
            product, value=amount["value"], currency=amount["unit"], actor=_actor(principal)
        )
        body = spend_cap_body(cap, product, RepresentationContext(request))
        return Response(body, status=201 if created else 200)

    @extend_schema(operation_id="removeSpendCap", responses={204: None})
    def delete(self, request, product_id: str):
        principal = principal_of(request)
        product = usage_product(principal, product_id, write=True)
        if not services.spend_cap_remove(product, actor=_actor(principal)):
            raise NotFound(f"Product '{product_id}' has no spend cap.")
        return Response(status=204)


def _actor(principal: Principal) -> Actor:
    return Actor(channel=principal.channel, name=principal.actor, is_staff=principal.is_staff)


# --- the estimate on actual usage ----------------------------------------------------------------
class ActualUsageInput(serializers.Serializer):
    product = RefSerializer(help_text="A product the caller holds (or whose usage it may read).")
    periods = serializers.IntegerField(
        min_value=1, max_value=MAX_PERIODS, default=3, help_text="How many of its last periods to average."
    )


class UsageEstimateInput(EstimateInput):
    usage = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0),
        allow_empty=False,
        required=False,
        help_text="Quantities by unit of measure or metric code. Either this or actualUsage.",
    )
    actualUsage = ActualUsageInput(
        required=False,
        help_text="Price the average use of each metric over a product's last billing periods instead.",
    )

    def validate(self, attrs):
        if ("usage" in attrs) == ("actualUsage" in attrs):
            raise serializers.ValidationError({"usage": "Give either usage or actualUsage."})
        return attrs


UsagePeriod = shape("UsagePeriod", {"startDate": serializers.DateField(), "endDate": serializers.DateField()})
UsageEstimate = shape(
    "UsageEstimate",
    {
        **ItemQuote._declared_fields,
        "usage": serializers.DictField(child=number(), required=False, help_text="What was priced, per metric."),
        "actualUsage": shape(
            "ActualUsage",
            {
                "product": Ref(),
                "period": shape(
                    "UsagePeriod", {"startDate": serializers.DateField(), "endDate": serializers.DateField()}
                )(many=True),
                "projected": serializers.BooleanField(),
            },
        )(required=False),
    },
)


class UsageEstimateView(EstimateView):
    """What a consumption costs on a usage-priced offering: the ``usage`` given, or the caller's actual
    usage of one of its products (``actualUsage``)."""

    serializer_class = UsageEstimateInput

    def units(self, request, data: dict) -> tuple[dict, dict]:
        if "actualUsage" not in data:
            return super().units(request, data)
        asked = data["actualUsage"]
        product = usage_product(principal_of(request), asked["product"]["id"])
        average = average_usage(product.pk, asked["periods"], timezone.now())
        if not average.periods:
            raise UnprocessableEntity(
                f"product '{product.pk}' has no usage recorded yet: give the usage to price instead.",
                field="actualUsage",
            )
        described = {
            "usage": {code: render_number(q) for code, q in sorted(average.quantities.items())},
            "actualUsage": {
                "product": {
                    "id": product.pk,
                    "href": RepresentationContext(request).href(f"{INVENTORY.base}/product/{product.pk}"),
                    "name": product.name,
                },
                "period": [{"startDate": s.isoformat(), "endDate": e.isoformat()} for s, e in average.periods],
                "projected": average.projected,
            },
        }
        return average.quantities, described

    @extend_schema(request=UsageEstimateInput, responses={200: UsageEstimate})
    def post(self, request):
        return super().post(request)
