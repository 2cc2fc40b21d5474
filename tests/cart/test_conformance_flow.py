"""The request sequence of TM Forum's TMF663 v4 conformance kit, replayed with its assertions.

The kit creates a cart from an empty body (an anonymous cart), lists carts, reads it back, selects and
filters by href and by id, and expects a 404 for an unknown id. Every cart listed carries href and id.
"""

import pytest

from tests.conformance import Kit, create, replay
from tests.factories.carts import line, new_cart

CARTS = Kit(
    "/tmf-api/shoppingCart/v4/shoppingCart",
    ("href", "id"),
    selected=("href", "id"),
    filtered=("href", "id"),
    unknown_id="894a108c-9fc9-45d8-a63b-13dcfd3a6bc3",
)


@pytest.mark.django_db
def test_conformance_kit_sequence(carts_app, shop, alice):
    app = carts_app("web")
    new_cart(app, alice, [line(shop.plan)])  # a customer's cart is listed beside the kit's
    created = create(CARTS, app, {})
    replay(CARTS, app, [created])
