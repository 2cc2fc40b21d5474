"""What order placement refuses, in words a customer understands (checkout and TMF622 alike)."""

from overlay.errors import DomainError


class NotOrderable(DomainError):
    """The lines cannot be ordered as they stand (the problems are listed in ``validation``)."""

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
