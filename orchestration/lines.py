"""Order lines as a channel asks for them, and the checks every line passes before it is priced.

A line adds an offering, or modifies or deletes a product the customer holds. Carts keep
their lines between visits (``cart``); a direct order (TMF622) brings them all at once. Both
check them here, so a line refused in one is refused in the other.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.errors import InvalidQuantity, UnknownOffering
from catalog.pricing import MAX_QUANTITY, PricingContext, PricingData, PricingItem, price_item
from customers.models import HeldProduct
from orchestration.models import ProductOrderItem
from overlay.errors import UnprocessableEntity
from overlay.principal import Principal

Action = ProductOrderItem.Action
ACTIVE = "active"  # a line to order now (a cart may also keep lines saved for later)


@dataclass(frozen=True)
class ItemInput:
    """One line as a channel asks for it."""

    offering_id: str | None = None
    quantity: int = 1
    action: str = Action.ADD
    characteristics: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    held_product_id: str | None = None
    status: str = ACTIVE
    note: str = ""


def pricing_item(line) -> PricingItem:
    """What the pricing engine needs of a line (an ``ItemInput``, a cart item, an order line)."""
    return PricingItem(
        offering_id=line.offering_id,
        quantity=line.quantity,
        characteristics=line.characteristics,
        members={k: int(v) for k, v in line.members.items()} or None,
    )


def _held_products(customer_id: str | None, items: list[ItemInput]) -> dict[str, HeldProduct]:
    held_ids = {i.held_product_id for i in items if i.held_product_id}
    if not held_ids:
        return {}
    if customer_id is None:
        raise UnprocessableEntity("Changing a product you hold needs you to sign in first.")
    held = {p.pk: p for p in HeldProduct.objects.filter(pk__in=held_ids, customer_id=customer_id)}
    missing = sorted(held_ids - set(held))
    if missing:
        raise UnprocessableEntity(f"You hold no product '{missing[0]}'.")
    for product in held.values():
        if product.status != HeldProduct.Status.ACTIVE:
            raise UnprocessableEntity(f"'{product.name}' is {product.status}: it cannot be changed.")
    return held


def check_items(
    customer_id: str | None, items: list[ItemInput], principal: Principal, *, pricing: PricingData | None = None
) -> dict[str, HeldProduct]:
    """Refuse lines that can never be right (unknown offering, bad configuration, someone else's product).

    ``pricing``: the pricing data of (at least) the lines' offerings, when the caller has it already.
    Returns the held products the lines change, by id.
    """
    now = timezone.now()
    held = _held_products(customer_id, items)
    for item in items:
        if item.action in (Action.MODIFY, Action.DELETE) and not item.held_product_id:
            raise UnprocessableEntity(f"a '{item.action}' line must name the product you hold.", field="held_product")
        if item.action != Action.DELETE and not item.offering_id:
            raise UnprocessableEntity(f"an '{item.action}' line needs an offering.", field="offering")
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise InvalidQuantity(f"Quantity must be between 1 and {MAX_QUANTITY}, not {item.quantity}.")
    offering_ids = {i.offering_id for i in items if i.offering_id and i.action != Action.DELETE}
    if offering_ids:
        if pricing is None:
            pricing = catalog_selectors.pricing_data(
                offering_ids, catalog_selectors.offerings_visible(principal, now), now
            )
        context = PricingContext(at=now, channel=principal.channel)
        for item in items:
            if item.offering_id and item.action != Action.DELETE:
                if item.offering_id not in pricing.offerings:
                    raise UnknownOffering(f"There is no product offering '{item.offering_id}' for sale here.")
                # The pricing engine checks characteristics against the specification and bundle cardinality.
                price_item(pricing_item(item), pricing, context)
    return held
