"""What the cart refuses, in words a customer understands (placing the order: ``orchestration.errors``)."""

from overlay.errors import Conflict, NotFound, PreconditionFailed


class CartClosed(Conflict):
    code = "cartClosed"
    reason = "The cart can no longer be changed"


class CartExpired(Conflict):
    code = "cartExpired"
    reason = "The cart has expired"


class OpenCartExists(Conflict):
    code = "openCartExists"
    reason = "The customer already has an open cart"


class StaleCartVersion(PreconditionFailed):
    code = "staleCartVersion"
    reason = "The cart changed since it was read"


class PriceChanged(Conflict):
    code = "priceChanged"
    reason = "The price changed since it was shown"


class HandoffInvalid(NotFound):
    code = "handoffInvalid"
    reason = "Hand-off code not valid"
