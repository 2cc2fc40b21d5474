"""Checkout: a valid, qualified, freshly priced cart becomes exactly one ProductOrder per idempotency key.

The cart is locked and assessed here, and what the customer saw is checked (the versions and
price digests their ``If-Match`` named); placing the order is ``orchestration.placement``.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import Exists, OuterRef, prefetch_related_objects
from django.db.models.functions import JSONObject
from django.utils import timezone

from cart import selectors, services
from cart.assessment import active_items, assess_many, item_prefetch
from cart.errors import PriceChanged, StaleCartVersion
from cart.models import ShoppingCart
from catalog import selectors as catalog_selectors
from customers.models import Consent, HeldProduct
from orchestration.assessment import consents_granted
from orchestration.errors import NotOrderable
from orchestration.placement import OrderDetails, PlacedOrder, fingerprint_of, order_submit, replay
from orchestration.qualification import Place, Rules
from overlay import metrics
from overlay.models import IdempotencyRecord
from overlay.principal import Principal


def buyer_annotations() -> dict:
    """What ``buyer_facts`` reads of the cart's customer (consents oldest first, active products' names), as
    arrays on the cart's row: read with the lock instead of two queries of their own."""
    customer = OuterRef("customer_id")
    return {
        "buyer_consents": ArraySubquery(
            Consent.objects.filter(customer_id=customer)
            .order_by("recorded_at", "id")
            .values(answer=JSONObject(purpose="purpose", granted="granted"))
        ),
        "buyer_held": ArraySubquery(
            HeldProduct.objects.filter(customer_id=customer, status=HeldProduct.Status.ACTIVE).values("name")
        ),
    }


def cart_checkout(
    cart_id: str,
    principal: Principal,
    *,
    idempotency_key: str,
    body: dict,
    seen: list[tuple[int, str]] | None,
    place: Place | None = None,
) -> PlacedOrder:
    """Check a cart out, once.

    The cart row is locked first, so concurrent requests with the same key wait for the
    first and then find its order. A key reused for another cart or body is refused.
    ``seen``: the (version, price digest) pairs the customer was shown (from ``If-Match``;
    None: no precondition): a changed cart is ``StaleCartVersion`` (412) and a changed price
    is ``PriceChanged`` carrying the new assessment, so nobody is charged a price they were
    not shown.
    """
    fingerprint = fingerprint_of(f"checkout|{cart_id}", body)
    with transaction.atomic():
        # One query: whether the caller may see the cart (404), the cart locked, and whether the key was used.
        used = IdempotencyRecord.objects.filter(principal=principal.key, key=idempotency_key)
        carts = selectors.carts_visible(principal).annotate(key_used=Exists(used), **buyer_annotations())
        cart = services.lock_cart(cart_id, carts)
        # A request with the same key that held the lock before this one committed after this query's snapshot:
        # its record is not seen, but the cart it checked out is (the locked row is read again): ask once more.
        if cart.key_used or cart.status != ShoppingCart.Status.OPEN:
            replayed = replay(principal, idempotency_key, fingerprint)
            if replayed is not None:
                return PlacedOrder(replayed, replayed=True)
        services.check_open(cart)
        if cart.customer_id is None:
            raise NotOrderable("Tell us who you are (sign in) before checking out.")
        # The locked row is assessed, not read again; what the rules know of the buyer came with it.
        prefetch_related_objects([cart], item_prefetch())
        cart.customer.granted_consents = consents_granted((a["purpose"], a["granted"]) for a in cart.buyer_consents)
        cart.customer.active_products = [HeldProduct(name=name) for name in cart.buyer_held]
        # The rules, and which offerings the channel sells, are read once for the assessment and the order.
        now = timezone.now()
        offering_ids = {i.offering_id for i in active_items(cart) if i.offering_id}
        sold = catalog_selectors.offerings_sold(catalog_selectors.offerings_visible(principal, now), offering_ids)
        rules = Rules(offering_ids, catalog_selectors.offering_rules(offering_ids), sold)
        assessment = assess_many([cart], principal, now, rules=rules.by_offering, visible_ids=set(sold))[cart.pk]
        if seen is not None:
            if not any(version == cart.version for version, _ in seen):
                raise StaleCartVersion("The cart was changed since you read it; read it again before paying.")
            if not any(digest == assessment.price_digest for version, digest in seen if version == cart.version):
                error = PriceChanged("The price changed since you saw it; please confirm the new price.")
                error.assessment, error.cart = assessment, cart
                raise error
        order = order_submit(
            principal,
            customer=cart.customer,
            lines=active_items(cart),
            assessment=assessment,
            place=place,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            details=OrderDetails(cart_id=cart.pk),
            rules=rules,
        )
        cart.status = ShoppingCart.Status.CHECKED_OUT
        cart.order_id = order.pk
        cart.checked_out_at = timezone.now()
        services.touch(cart, principal, "checked out", f"order {order.pk} placed in {principal.channel}")
    metrics.CART_CHECKOUTS.labels(principal.channel).inc()
    return PlacedOrder(order, replayed=False)
