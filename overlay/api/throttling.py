from rest_framework.throttling import SimpleRateThrottle

from overlay.api.principal import principal_of
from overlay.handoff_codes import code_hash, normalise_code
from overlay.principal import ClientUser


class PrincipalRateThrottle(SimpleRateThrottle):
    """One request budget per channel application or staff user; per IP when anonymous."""

    scope = "principal"

    def get_cache_key(self, request, view):
        principal = principal_of(request)
        ident = principal.key if principal else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class HandoffClaimClientThrottle(PrincipalRateThrottle):
    """Hand-off claims (carts and tickets alike) per channel application, whoever it acts for: the customer
    tokens an application issues share its budget, so issuing tokens buys no more guesses. Guessing codes
    is slow."""

    scope = "handoff_claim_client"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ClientUser):  # customer tokens too: they name the application that issued them
            return self.cache_format % {"scope": self.scope, "ident": f"client:{user.client_id}"}
        return super().get_cache_key(request, view)


class HandoffClaimCodeThrottle(SimpleRateThrottle):
    """Claims per code, from anyone: one code cannot be hammered from many clients."""

    scope = "handoff_claim_code"

    def get_cache_key(self, request, view):
        code = normalise_code(view.kwargs.get("code", ""))
        return self.cache_format % {"scope": self.scope, "ident": code_hash(code)}
