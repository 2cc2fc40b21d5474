"""The principal behind an HTTP request (``request.user`` set by authentication)."""

from overlay.principal import Principal, principal_for


def principal_of(request) -> Principal | None:
    return principal_for(request.user)
