"""TMF663 shopping cart events, as listeners of shoppingCart receive them (published in the caller's transaction)."""

from cart.models import ShoppingCart
from cart.selectors import carts_visible
from events.services import EventHrefs, publish
from overlay.tmf import CART


def cart_event(cart: ShoppingCart, event_type: str) -> None:
    """ShoppingCartCreateEvent / AttributeValueChangeEvent / DeleteEvent."""
    hrefs = EventHrefs()
    publish(
        api=CART.name,
        event_type=event_type,
        resource_type="ShoppingCart",
        resource_id=cart.pk,
        event={
            "shoppingCart": {
                "id": cart.pk,
                "href": hrefs.href(f"{CART.base}/shoppingCart/{cart.pk}"),
                "status": cart.status,
                "version": cart.version,
                "@type": "ShoppingCart",
            }
        },
        visible_to=lambda principal: carts_visible(principal).filter(pk=cart.pk).exists(),
    )
