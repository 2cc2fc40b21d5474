"""The console's cart pages: claim a hand-off, see and edit the customer's cart, check it out.

Every action goes through the same services as the API, acting in the call-centre channel.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cart import checkout, handoffs, selectors, services
from cart.api import preconditions, representations
from cart.assessment import assess_many, carts_for_assessment
from cart.errors import PriceChanged
from cart.models import ShoppingCart
from catalog.selectors import offerings_visible
from customers.selectors import customers_visible
from orchestration.lines import ItemInput
from overlay.api.principal import principal_of
from overlay.api.views import RepresentationContext
from overlay.errors import DomainError


def _principal(request):
    principal = principal_of(request)
    if principal is None or not principal.has_scope("carts:write"):
        raise PermissionDenied
    return principal


@require_POST
def console_claim(request, admin_site):
    """The "claim hand-off" box: the code the customer reads out."""
    principal = _principal(request)
    try:
        handoff = handoffs.handoff_claim(request.POST.get("code", ""), principal)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(request.POST.get("next") or "admin:customer-console")
    messages.success(request, f"Hand-off from {handoff.from_channel} claimed: this is the customer's cart.")
    return redirect("admin:cart-console-cart", handoff.cart.pk)


@require_POST
def console_start(request, customer_id: str, admin_site):
    """Start a cart for the customer (or open the one they have)."""
    principal = _principal(request)
    customer = customers_visible(principal).filter(pk=customer_id).first()
    if customer is None:
        raise Http404("No such customer.")
    existing = selectors.carts_visible(principal).filter(customer=customer, status=ShoppingCart.Status.OPEN).first()
    if existing is not None and existing.expires_at > timezone.now():
        return redirect("admin:cart-console-cart", existing.pk)
    cart, _ = services.cart_create(principal, customer=customer, items=[])
    return redirect("admin:cart-console-cart", cart.pk)


def console_cart(request, cart_id: str, admin_site):
    principal = _principal(request)
    cart = carts_for_assessment(selectors.carts_visible(principal).filter(pk=cart_id)).first()
    if cart is None:
        raise Http404("No such cart.")
    assessment = assess_many([cart], principal, timezone.now())[cart.pk]
    body = representations.shopping_cart(cart, assessment, RepresentationContext(request))
    handoff = next((h for h in cart.handoffs.all() if h.claimed_at), None)
    context = {
        **admin_site.each_context(request),
        "title": f"Cart of {cart.customer}" if cart.customer else "Anonymous cart",
        "cart": cart,
        "body": body,
        "etag": preconditions.cart_etag(cart, assessment),
        "journey": cart.journey.all(),
        "handoff": handoff,
        "offerings": offerings_visible(principal, timezone.now()).order_by("name")[:500],
        "checkout_key": uuid.uuid4().hex,  # a double submit of the form is the same checkout
        "editable": cart.status == ShoppingCart.Status.OPEN and cart.expires_at > timezone.now(),
    }
    return TemplateResponse(request, "console/cart.html", context)


def _characteristics(raw: str) -> dict:
    chosen = {}
    for part in raw.replace(";", "\n").splitlines():
        name, sep, value = part.partition("=")
        if sep and name.strip():
            chosen[name.strip()] = value.strip()
    return chosen


@require_POST
def console_edit(request, cart_id: str, action: str, admin_site):
    """Add, change or remove a line, or check out; errors are shown in words, nothing half-done."""
    principal = _principal(request)
    if not selectors.carts_visible(principal).filter(pk=cart_id).exists():
        raise Http404("No such cart.")
    versions = preconditions.versions_in(request.POST.get("etag"))
    try:
        if action == "add":
            services.cart_item_add(
                cart_id,
                principal,
                ItemInput(
                    offering_id=request.POST.get("offering"),
                    quantity=int(request.POST.get("quantity") or 1),
                    characteristics=_characteristics(request.POST.get("characteristics", "")),
                ),
                expected_versions=versions,
            )
        elif action == "quantity":
            services.cart_item_change(
                cart_id,
                int(request.POST["item"]),
                principal,
                quantity=int(request.POST.get("quantity") or 1),
                expected_versions=versions,
            )
        elif action == "remove":
            services.cart_item_remove(cart_id, int(request.POST["item"]), principal, expected_versions=versions)
        elif action == "checkout":
            result = checkout.cart_checkout(
                cart_id,
                principal,
                idempotency_key=request.POST.get("key") or uuid.uuid4().hex,
                body={},
                seen=preconditions.seen_in(request.POST.get("etag")),
            )
            messages.success(request, f"Order {result.order.pk} placed.")
            return redirect("admin:orchestration_productorder_change", result.order.pk)
        else:
            raise Http404("Unknown action.")
    except PriceChanged:
        messages.warning(request, "The price changed since the page was shown: check the new price with the customer.")
    except (DomainError, ValueError, KeyError) as error:
        messages.error(request, getattr(error, "message", None) or "Please check the values entered.")
    return redirect("admin:cart-console-cart", cart_id)
