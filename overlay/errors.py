"""Domain exceptions. Services raise them; the API layer maps each to its HTTP status once."""


class DomainError(Exception):
    """A rule of the domain refused the action."""

    status = 422
    code = "unprocessableEntity"
    reason = "Unprocessable entity"

    def __init__(self, message: str, extra: dict | None = None, *, field: str = ""):
        super().__init__(message)
        self.message = message
        # More for the client than a sentence: the new price, what is wrong per item...
        self.extra = extra or {}
        # The input at fault, in domain words ("customer", "valid_for"): the API names it as its clients do.
        self.field = field


class UnprocessableEntity(DomainError):
    pass


class NotFound(DomainError):
    status = 404
    code = "notFound"
    reason = "Resource not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    reason = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    code = "preconditionFailed"
    reason = "Precondition failed"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    reason = "Forbidden"
