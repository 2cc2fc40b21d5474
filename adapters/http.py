"""HTTP to back-office systems: explicit timeouts, retries with back-off, a circuit breaker, no secrets in logs.

Every call carries the id of the request (or job) it is made for, as ``X-Request-ID`` and a W3C
``traceparent`` (``overlay.requestid``), and is logged at DEBUG with it (``LOG_LEVELS=adapters.http=DEBUG``).
"""

import logging
import os
import random
import threading
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache

from adapters.contracts import CircuitOpen, Refused, SourceUnavailable
from overlay.requestid import outgoing_headers

logger = logging.getLogger(__name__)

RETRIABLE = {429, 500, 502, 503, 504}


@dataclass
class CircuitBreaker:
    """After ``threshold`` consecutive failures the circuit opens for ``cooldown`` seconds: calls fail fast.

    Its state is in the cache, which every process shares in production (Redis): a system that is down
    is down for every web and Celery worker, and failures seen by several processes add up. Per process
    only when embedded (local-memory cache), where there is one process.
    """

    system_code: str = ""
    threshold: int = 5
    cooldown: float = 30.0

    @property
    def _failures_key(self) -> str:
        return f"circuit:{self.system_code}:failures"

    @property
    def _opened_key(self) -> str:
        return f"circuit:{self.system_code}:opened"

    @property
    def _keep_seconds(self) -> float:
        return self.cooldown + 600

    def allow(self) -> bool:
        opened_at = cache.get(self._opened_key)
        if opened_at is None:
            return True
        if time.time() - opened_at >= self.cooldown:
            # Half-open: calls may try again, and one more failure opens it again.
            cache.delete(self._opened_key)
            cache.set(self._failures_key, self.threshold - 1, self._keep_seconds)
            return True
        return False

    def closes_in(self) -> float:
        """Seconds until the open circuit lets a call try again (0 when it is not open)."""
        opened_at = cache.get(self._opened_key)
        if opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (time.time() - opened_at))

    def record(self, ok: bool) -> None:
        if ok:
            cache.delete_many([self._failures_key, self._opened_key])
            return
        cache.add(self._failures_key, 0, self._keep_seconds)
        try:
            failures = cache.incr(self._failures_key)  # atomic: two processes failing at once both count
        except ValueError:  # expired between the two calls
            failures = 1
            cache.set(self._failures_key, failures, self._keep_seconds)
        if failures >= self.threshold:
            cache.set(self._opened_key, time.time(), self._keep_seconds)

    def reset(self) -> None:
        cache.delete_many([self._failures_key, self._opened_key])


class _Breakers(dict):
    def clear(self) -> None:
        """Forget the breakers, and what they remember in the shared cache (tests start afresh)."""
        for breaker in self.values():
            breaker.reset()
        super().clear()


# One breaker object per system and process; their state is shared through the cache.
_BREAKERS: dict[str, CircuitBreaker] = _Breakers()
_BREAKERS_LOCK = threading.Lock()


def breaker_for(system_code: str) -> CircuitBreaker:
    with _BREAKERS_LOCK:
        if system_code not in _BREAKERS:
            _BREAKERS[system_code] = CircuitBreaker(
                system_code,
                threshold=settings.BACKOFFICE_CIRCUIT_FAILURES,
                cooldown=settings.BACKOFFICE_CIRCUIT_COOLDOWN_SECONDS,
            )
        return _BREAKERS[system_code]


class BackOfficeClient:
    """A JSON client for one system. The API key comes from the environment and is never logged."""

    def __init__(
        self,
        *,
        system_code: str,
        base_url: str,
        credentials_ref: str = "",
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
    ):
        self.system_code = system_code
        self.retries = retries
        self.backoff = backoff
        self.breaker = breaker_for(system_code)
        headers = {"Accept": "application/json"}
        api_key = os.environ.get(credentials_ref, "") if credentials_ref else ""
        if api_key:
            headers["X-Api-Key"] = api_key
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout),
            event_hooks={"request": [_trace_headers]},
        )

    def close(self) -> None:
        self.http.close()

    def limit_for_live_call(self, timeout: float) -> None:
        """A customer is waiting: one quick retry at most, and no longer than ``timeout`` per attempt."""
        self.retries = min(self.retries, 1)
        self.backoff = min(self.backoff, 0.05)
        current = self.http.timeout.read or timeout
        self.http.timeout = httpx.Timeout(min(timeout, current))

    def get_json(self, path: str, params: dict | None = None) -> dict:
        return self.request_json("GET", path, params=params)

    def post_json(self, path: str, body: dict) -> dict:
        """POST is retried like GET: only call it for requests the system treats idempotently (by reference)."""
        return self.request_json("POST", path, body=body)

    def request_json(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None) -> dict:
        if not self.breaker.allow():
            raise CircuitOpen(
                f"{self.system_code} is failing; not calling it for a while (circuit open).",
                retry_after=self.breaker.closes_in(),
            )
        last_problem = ""
        for attempt in range(self.retries + 1):
            started = time.monotonic()
            try:
                response = self.http.request(method, path, params=params, json=body)
            except httpx.TimeoutException:
                last_problem = "timed out"
            except httpx.TransportError as error:
                last_problem = f"transport error ({type(error).__name__})"
            else:
                logger.debug(
                    "%s %s %s: HTTP %d in %d ms",
                    *(self.system_code, method, path, response.status_code),
                    (time.monotonic() - started) * 1000,
                )
                if response.status_code < 400:
                    self.breaker.record(True)
                    try:
                        return response.json()
                    except ValueError as error:
                        raise SourceUnavailable(f"{self.system_code} answered {path} with invalid JSON.") from error
                if response.status_code not in RETRIABLE:
                    self.breaker.record(True)  # it answered; the request is what is wrong
                    raise Refused(
                        f"{self.system_code} refused {method} {path}: HTTP {response.status_code}.",
                        status=response.status_code,
                        detail=_error_text(response),
                    )
                last_problem = f"HTTP {response.status_code}"
            self.breaker.record(False)
            # Only the path, never headers: the API key stays out of the logs.
            logger.warning(
                "%s %s %s failed (%s), attempt %d", self.system_code, method, path, last_problem, attempt + 1
            )
            if attempt < self.retries and self.breaker.allow():
                time.sleep(self.backoff * (2**attempt) * (0.5 + random.random()))
            else:
                break
        raise SourceUnavailable(f"{self.system_code} {method} {path} failed: {last_problem}.")


def _trace_headers(request: httpx.Request) -> None:
    """The id of the request or job this call is made for (a client lives longer than one request)."""
    request.headers.update(outgoing_headers())


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error") or body.get("message") or body)[:200] if isinstance(body, dict) else str(body)[:200]
