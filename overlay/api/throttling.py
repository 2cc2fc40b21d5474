from rest_framework.throttling import SimpleRateThrottle

from overlay.api.principal import principal_of


class PrincipalRateThrottle(SimpleRateThrottle):
    """One request budget per channel application or staff user; per IP when anonymous."""

    scope = "principal"

    def get_cache_key(self, request, view):
        principal = principal_of(request)
        ident = principal.key if principal else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
