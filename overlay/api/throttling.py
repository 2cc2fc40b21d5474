from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy
from rest_framework.throttling import SimpleRateThrottle

from overlay.api.principal import principal_of
from overlay.handoff_codes import code_hash, normalise_code
from overlay.principal import ClientUser


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle, counted atomically in the shared cache (Redis in production).

    DRF's own keeps a list of request times per caller: read it, append, write it back. Two web
    workers answering the same caller at once both read the same list and one write is lost, so the
    limit grows with the number of processes. Here each window of the rate's duration has a counter
    incremented atomically (``cache.incr``: Redis INCR, a lock in the local-memory cache); the previous
    window counts by the share of it still within the last duration (a sliding-window estimate), so a
    burst across a window's edge gets no second budget. A refused request uses no budget, as in DRF.

    In Redis the three steps (create the counter, increment it, read the previous window's) are one pipeline:
    one round trip a request instead of four (Django's ``incr`` asks whether the key exists first).
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        counter = f"{self.key}:{window}"
        self.count, self.previous = self.counted(counter, f"{self.key}:{window - 1}")
        self.elapsed = self.now / self.duration - window  # share of the current window gone by
        if self.previous * (1 - self.elapsed) + self.count <= self.num_requests:
            return True
        self.cache.decr(counter)
        self.count -= 1
        return False

    def counted(self, counter: str, previous: str) -> tuple[int, int]:
        """This window's count with this request in it, and the previous window's."""
        timeout = 2 * self.duration + 1  # a counter outlives its window: the next one reads it
        cache = caches["default"] if isinstance(self.cache, ConnectionProxy) else self.cache
        if isinstance(cache, RedisCache):
            keys = [cache.make_and_validate_key(key) for key in (counter, previous)]
            pipe = cache._cache.get_client(keys[0], write=True).pipeline(transaction=False)
            pipe.set(keys[0], 0, ex=timeout, nx=True).incr(keys[0]).get(keys[1])
            _, count, before = pipe.execute()
            return count, int(before or 0)  # Django's Redis cache keeps integers as they are, not pickled
        self.cache.add(counter, 0, timeout=timeout)
        return self.cache.incr(counter), self.cache.get(previous, 0)

    def wait(self):
        """Seconds until one more request fits in the estimate."""
        room = self.num_requests - self.count - 1  # what the previous window may still weigh
        if room >= 0:
            share_gone = 1 - room / self.previous if self.previous else 0
            return max(0.0, (share_gone - self.elapsed) * self.duration) or None
        # Only in the next window, where this one's count is the previous: enough of it must slide out.
        share_gone = 1 - (self.num_requests - 1) / max(self.count, 1)
        return (1 - self.elapsed + max(0.0, share_gone)) * self.duration


class PrincipalRateThrottle(SharedRateThrottle):
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


class HandoffClaimCodeThrottle(SharedRateThrottle):
    """Claims per code, from anyone: one code cannot be hammered from many clients."""

    scope = "handoff_claim_code"

    def get_cache_key(self, request, view):
        code = normalise_code(view.kwargs.get("code", ""))
        return self.cache_format % {"scope": self.scope, "ident": code_hash(code)}
