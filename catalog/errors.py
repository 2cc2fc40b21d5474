"""What catalog rules refuse, in words a customer or catalog manager understands."""

from overlay.errors import Conflict, DomainError


class UnknownOffering(DomainError):
    code = "unknownOffering"
    reason = "Unknown product offering"


class InvalidConfiguration(DomainError):
    code = "invalidConfiguration"
    reason = "Invalid product configuration"


class InvalidQuantity(DomainError):
    code = "invalidQuantity"
    reason = "Invalid quantity"


class InvalidReference(DomainError):
    code = "invalidReference"
    reason = "Reference to an unknown resource"


class IllegalTransition(DomainError):
    code = "illegalLifecycleTransition"
    reason = "Lifecycle transition not allowed"


class InUse(Conflict):
    code = "inUse"
    reason = "Resource still in use"
