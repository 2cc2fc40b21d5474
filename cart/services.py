"""Every change to a cart: one function per action, each owning its transaction and its row lock.

The cart row is locked (``SELECT … FOR UPDATE``) by every write, so two channels
editing one cart at the same time are serialised and neither loses the other's
change; ``expected_versions`` (from ``If-Match``) refuses a write based on a
version the caller no longer sees.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cart import events
from cart.errors import CartClosed, CartExpired, OpenCartExists, StaleCartVersion
from cart.models import CartEvent, CartItem, ShoppingCart
from catalog.pricing import MAX_QUANTITY
from customers.models import Customer
from customers.services import interaction_record
from orchestration.lines import ItemInput, check_items
from overlay.errors import Conflict, NotFound
from overlay.principal import Principal


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _idle() -> timedelta:
    return timedelta(seconds=settings.CART_IDLE_SECONDS)


def lock_cart(cart_id: str, carts: QuerySet[ShoppingCart] | None = None) -> ShoppingCart:
    """The cart locked, with its customer; ``carts``: those the caller may see (the check and the lock in one
    query), when it was not checked before."""
    carts = ShoppingCart.objects.all() if carts is None else carts
    cart = carts.select_for_update(of=("self",)).select_related("customer").filter(pk=cart_id).first()
    if cart is None:
        raise NotFound(f"No ShoppingCart with id '{cart_id}'.")
    return cart


def check_open(cart: ShoppingCart) -> None:
    """Only an open, unexpired cart may change or be checked out."""
    if cart.status == ShoppingCart.Status.CHECKED_OUT:
        raise CartClosed(f"This cart was checked out (order {cart.order_id}); start a new one.")
    if cart.status == ShoppingCart.Status.MERGED:
        raise CartClosed(f"This cart was merged into cart {cart.merged_into_id}; continue there.")
    if cart.status == ShoppingCart.Status.EXPIRED or cart.expires_at <= timezone.now():
        raise CartExpired("This cart expired after being left alone for a while; start a new one.")


def check_version(cart: ShoppingCart, expected_versions: set[int] | None) -> None:
    if expected_versions is not None and cart.version not in expected_versions:
        raise StaleCartVersion("The cart was changed (perhaps in another channel) since you read it; read it again.")


def record(cart: ShoppingCart, principal: Principal, kind: str, summary: str) -> None:
    """The cart's channel journey, and the customer's interactions when we know who they are."""
    CartEvent.objects.create(cart=cart, channel=principal.channel, actor=principal.actor, kind=kind, summary=summary)
    events.cart_event(cart, "ShoppingCartCreateEvent" if kind == "created" else "ShoppingCartAttributeValueChangeEvent")
    if cart.customer_id:
        interaction_record(
            customer_id=cart.customer_id,
            channel=principal.channel,
            actor=principal.actor,
            kind=f"cart {kind}",
            summary=f"Cart {cart.pk[:8]}: {summary}",
        )


def touch(cart: ShoppingCart, principal: Principal, kind: str, summary: str) -> None:
    """A change: the version grows, the idle clock restarts, the journey records it."""
    cart.version += 1
    cart.expires_at = timezone.now() + _idle()
    cart.save()
    record(cart, principal, kind, summary)


# --- items --------------------------------------------------------------------------------------
def _new_item(cart: ShoppingCart, item: ItemInput, principal: Principal) -> CartItem:
    return CartItem(
        cart=cart,
        offering_id=item.offering_id if item.action != CartItem.Action.DELETE else None,
        action=item.action,
        held_product_id=item.held_product_id,
        quantity=item.quantity,
        characteristics=item.characteristics,
        members=item.members,
        status=item.status,
        note=item.note,
        channel=principal.channel,
    )


def _summary(items: list[ItemInput]) -> str:
    parts = [f"{i.action} {i.offering_id or i.held_product_id} x{i.quantity}" for i in items[:5]]
    return "; ".join(parts) + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def cart_create(
    principal: Principal, *, customer: Customer | None, items: list[ItemInput], contact_medium: list | None = None
) -> tuple[ShoppingCart, str | None]:
    """Start a cart; without a customer it is anonymous and its secret (returned once) lets it be attached later."""
    with transaction.atomic():
        secret = None
        if customer is not None:
            _expire_stale_open_cart(customer)
            existing = ShoppingCart.objects.filter(customer=customer, status=ShoppingCart.Status.OPEN).first()
            if existing is not None:
                raise OpenCartExists(f"This customer's open cart is {existing.pk}: add to it, or delete it first.")
        else:
            secret = f"ocs_{secrets.token_urlsafe(24)}"
        cart = ShoppingCart.objects.create(
            customer=customer,
            secret_hash=secret_hash(secret) if secret else "",
            channel=principal.channel,
            contact_medium=contact_medium or [],
            expires_at=timezone.now() + _idle(),
        )
        check_items(cart.customer_id, items, principal)
        CartItem.objects.bulk_create([_new_item(cart, i, principal) for i in items])
        record(
            cart, principal, "created", f"started in {principal.channel}" + (f": {_summary(items)}" if items else "")
        )
    return cart, secret


def _expire_stale_open_cart(customer: Customer) -> None:
    ShoppingCart.objects.filter(
        customer=customer, status=ShoppingCart.Status.OPEN, expires_at__lte=timezone.now()
    ).update(status=ShoppingCart.Status.EXPIRED)


def cart_update(
    cart_id: str,
    principal: Principal,
    *,
    expected_versions: set[int] | None = None,
    items: list[ItemInput] | None = None,
    contact_medium: list | None = None,
) -> ShoppingCart:
    """A TMF PATCH: ``items`` (when given) is the cart's whole new list of lines."""
    with transaction.atomic():
        cart = lock_cart(cart_id)
        check_version(cart, expected_versions)
        check_open(cart)
        changes = []
        if items is not None:
            check_items(cart.customer_id, items, principal)
            cart.items.all().delete()
            CartItem.objects.bulk_create([_new_item(cart, i, principal) for i in items])
            changes.append(f"items set to {_summary(items) or 'nothing'}")
        if contact_medium is not None:
            cart.contact_medium = contact_medium
            changes.append("contact details changed")
        touch(cart, principal, "changed", "; ".join(changes) or "touched")
    return cart


def cart_item_add(
    cart_id: str, principal: Principal, item: ItemInput, *, expected_versions: set[int] | None = None
) -> CartItem:
    """Add one line; concurrent adds from several channels all land (the cart row serialises them)."""
    with transaction.atomic():
        cart = lock_cart(cart_id)
        check_version(cart, expected_versions)
        check_open(cart)
        check_items(cart.customer_id, [item], principal)
        line = _new_item(cart, item, principal)
        line.save()
        touch(cart, principal, "item added", _summary([item]))
    return line


def cart_item_change(
    cart_id: str,
    item_id: int,
    principal: Principal,
    *,
    quantity: int | None = None,
    characteristics: dict | None = None,
    status: str | None = None,
    expected_versions: set[int] | None = None,
) -> CartItem:
    """Change a line's quantity, options or status (save for later)."""
    with transaction.atomic():
        cart = lock_cart(cart_id)
        check_version(cart, expected_versions)
        check_open(cart)
        line = cart.items.filter(pk=item_id).first()
        if line is None:
            raise NotFound(f"The cart has no item '{item_id}'.")
        wanted = ItemInput(
            offering_id=line.offering_id,
            quantity=line.quantity if quantity is None else quantity,
            action=line.action,
            characteristics=line.characteristics if characteristics is None else characteristics,
            members=line.members,
            held_product_id=line.held_product_id,
            status=status or line.status,
        )
        check_items(cart.customer_id, [wanted], principal)
        line.quantity, line.characteristics, line.status = wanted.quantity, wanted.characteristics, wanted.status
        line.save()
        touch(cart, principal, "item changed", f"item {line.pk}: {_summary([wanted])}")
    return line


def cart_item_remove(
    cart_id: str, item_id: int, principal: Principal, *, expected_versions: set[int] | None = None
) -> None:
    with transaction.atomic():
        cart = lock_cart(cart_id)
        check_version(cart, expected_versions)
        check_open(cart)
        deleted, _ = cart.items.filter(pk=item_id).delete()
        if not deleted:
            raise NotFound(f"The cart has no item '{item_id}'.")
        touch(cart, principal, "item removed", f"item {item_id}")


def cart_delete(cart_id: str, principal: Principal, *, expected_versions: set[int] | None = None) -> None:
    """Throw an open cart away (a checked-out cart stays: its order refers to it)."""
    with transaction.atomic():
        cart = lock_cart(cart_id)
        check_version(cart, expected_versions)
        if cart.status == ShoppingCart.Status.CHECKED_OUT:
            raise CartClosed(f"This cart was checked out (order {cart.order_id}) and is kept with the order.")
        if cart.customer_id:
            interaction_record(
                customer_id=cart.customer_id,
                channel=principal.channel,
                actor=principal.actor,
                kind="cart deleted",
                summary=f"Cart {cart.pk[:8]} deleted",
            )
        events.cart_event(cart, "ShoppingCartDeleteEvent")
        cart.delete()


# --- identifying the customer ---------------------------------------------------------------------
def _same_line(a: CartItem, b: CartItem) -> bool:
    return (a.offering_id, a.action, a.held_product_id, a.characteristics, a.members, a.status) == (
        b.offering_id,
        b.action,
        b.held_product_id,
        b.characteristics,
        b.members,
        b.status,
    )


def cart_attach(cart_id: str, customer: Customer, principal: Principal) -> ShoppingCart:
    """The customer identified: their anonymous cart becomes theirs.

    Merge rules: when the customer has no other open cart, this cart simply becomes theirs.
    When they have one, that cart is kept (same id, so other channels keep finding it) and
    this cart's lines move into it: a line identical to one already there (same offering,
    action, held product, options, bundle choices and status) adds its quantity to it (at most
    the engine's maximum), any other line is moved as it is. This cart then ends as ``merged``
    and points to the customer's cart. Returns the cart the customer continues with.
    """
    with transaction.atomic():
        cart = lock_cart(cart_id)
        check_open(cart)
        if cart.customer_id == customer.pk:
            return cart
        if cart.customer_id is not None:
            raise Conflict("This cart belongs to another customer.")
        _expire_stale_open_cart(customer)
        target = (
            ShoppingCart.objects.select_for_update()
            .filter(customer=customer, status=ShoppingCart.Status.OPEN)
            .exclude(pk=cart.pk)
            .first()
        )
        if target is None:
            cart.customer = customer
            cart.secret_hash = ""
            touch(cart, principal, "attached", f"cart now belongs to customer {customer.pk}")
            return cart
        existing = list(target.items.all())
        moved = 0
        for line in cart.items.all():
            twin = next((t for t in existing if _same_line(t, line)), None)
            if twin is not None:
                twin.quantity = min(twin.quantity + line.quantity, MAX_QUANTITY)
                twin.save(update_fields=["quantity"])
                line.delete()
            else:
                line.cart = target
                line.save(update_fields=["cart"])
                existing.append(line)
            moved += 1
        if promised := (cart.price_promise or {}).get("lines"):
            # Lines moved as they were keep the prices they were promised (a line that grew did not stay so).
            target.price_promise = {"lines": {**promised, **(target.price_promise or {}).get("lines", {})}}
            target.save(update_fields=["price_promise"])
        cart.status = ShoppingCart.Status.MERGED
        cart.merged_into = target
        cart.secret_hash = ""
        touch(cart, principal, "merged", f"merged into the customer's cart {target.pk[:8]}")
        touch(target, principal, "merged", f"{moved} line(s) from anonymous cart {cart.pk[:8]} merged in")
        return target
