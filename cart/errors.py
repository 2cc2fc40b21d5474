"""What the cart refuses, in words a customer understands."""

from overlay.errors import Conflict, DomainError, NotFound, PreconditionFailed


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


class CartNotValid(DomainError):
    code = "cartNotValid"
    reason = "The cart cannot be checked out as it is"


class NotServiceable(DomainError):
    code = "notServiceable"
    reason = "Not available at this address"


class ServiceabilityUnknown(DomainError):
    status = 503
    code = "serviceabilityUnknown"
    reason = "Availability at this address cannot be confirmed now"


class IdempotencyKeyReused(DomainError):
    code = "idempotencyKeyReused"
    reason = "The idempotency key was used for another request"


class HandoffInvalid(NotFound):
    code = "handoffInvalid"
    reason = "Hand-off code not valid"
