"""Domain actions of the adapters app that the API and admin call."""

import hashlib
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from adapters.contracts import FulfilmentRejected, FulfilmentTarget, Serviceability
from adapters.http import BackOfficeClient
from adapters.models import BackOfficeSystem
from adapters.registry import adapter_class, adapter_for
from adapters.tasks import apply_pushed_task
from overlay.errors import DomainError, NotFound, UnprocessableEntity
from overlay.signing import SignatureRefused, timestamped_signature_check

MAX_PUSHED_RECORDS = 1000


class BadSignature(DomainError):
    status = 401
    code = "badSignature"
    reason = "Signature missing or wrong"


def pushed_changes_verify(system_code: str, body: bytes, signature: str) -> BackOfficeSystem:
    """The system a push comes from, if the body carries its fresh signature, not seen before.

    ``signature`` is ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the system's
    secret>`` (``overlay.signing``). A timestamp more than ``WEBHOOK_TOLERANCE_SECONDS`` away from
    now is refused, and so is a signature accepted before: it is remembered in the shared cache
    (an atomic add, so two processes given the same push accept it once) while it is fresh.
    """
    system = BackOfficeSystem.objects.filter(code=system_code, enabled=True).first()
    if system is None:
        raise NotFound(f"No back-office system '{system_code}'.")
    secret = os.environ.get(system.webhook_secret_ref, "") if system.webhook_secret_ref else ""
    if not secret:
        raise BadSignature("The request is not signed by this system.")
    tolerance = settings.WEBHOOK_TOLERANCE_SECONDS
    try:
        accepted = timestamped_signature_check(secret, body, signature, now=time.time(), tolerance=tolerance)
    except SignatureRefused as refused:
        raise BadSignature(str(refused)) from refused
    # Fresh for up to 2 x tolerance (from tolerance ahead of now to tolerance behind it): remembered as long.
    if not cache.add(f"webhook-seen:{system.code}:{accepted}", True, timeout=2 * tolerance + 1):
        raise BadSignature("This push was received before (a replay).")
    return system


def pushed_changes_queue(system: BackOfficeSystem, payload) -> int:
    """Queue a verified push of changed records for the worker; nothing is written before it runs."""
    if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
        raise UnprocessableEntity('Expected {"stream": ..., "records": [...]}.')
    stream = payload.get("stream")
    if stream not in adapter_class(system.adapter).streams:
        raise UnprocessableEntity(f"'{system.code}' has no stream '{stream}'.")
    records = payload["records"]
    if len(records) > MAX_PUSHED_RECORDS:
        raise UnprocessableEntity(f"At most {MAX_PUSHED_RECORDS} records per push.")
    transaction.on_commit(lambda: apply_pushed_task.delay(system.pk, stream, records))
    return len(records)


def serviceability_ask(system_code: str, postcode: str, house_number: str) -> Serviceability:
    """Can ``system_code`` deliver at this address? Asked live, answered from cache for a short while.

    When the system is unknown, down, slow or cannot say, the answer is "unknown"
    (``serviceable=None``) with the reason, never "yes"; unknowns are not cached.
    """
    where = f"{postcode.replace(' ', '').upper()}|{house_number.strip().upper()}"
    key = "serviceability:" + hashlib.sha256(f"{system_code}|{where}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    system = BackOfficeSystem.objects.filter(code=system_code, enabled=True).first()
    if system is None:
        return Serviceability(serviceable=None, reason=f"The system that knows ({system_code}) is not connected.")
    adapter = adapter_for(system)
    try:
        if not hasattr(adapter, "serviceability"):
            return Serviceability(serviceable=None, reason=f"{system.name} cannot tell what it delivers where.")
        client = getattr(adapter, "client", None)
        if isinstance(client, BackOfficeClient):
            client.limit_for_live_call(settings.SERVICEABILITY_TIMEOUT_SECONDS)
        answer = adapter.serviceability(postcode, house_number)
    finally:
        adapter.close()
    if answer.serviceable is not None:
        cache.set(key, answer, settings.SERVICEABILITY_CACHE_SECONDS)
    return answer


# Fulfilment adapters are shared per process (their HTTP clients are thread-safe, and making one
# costs ~20 ms of CPU): one per system, replaced when the system's configuration changes.
_TARGETS: dict[str, tuple[tuple, FulfilmentTarget]] = {}
_TARGETS_LOCK = threading.Lock()
TARGET_RECHECK_SECONDS = 5.0  # a disabled or reconfigured system is noticed within this long


def fulfilment_target(system_code: str) -> FulfilmentTarget:
    """The adapter that carries out fulfilment tasks in a system (shared: do not close it).

    A system that is unknown, disabled or cannot fulfil refuses for good: retrying will not help.
    """
    with _TARGETS_LOCK:
        cached = _TARGETS.get(system_code)
        if cached is not None and cached[0][-1] > time.monotonic():
            return cached[1]  # checked against the database less than TARGET_RECHECK_SECONDS ago
    system = BackOfficeSystem.objects.filter(code=system_code, enabled=True).first()
    if system is None:
        raise FulfilmentRejected(f"The back-office system '{system_code}' is not connected.")
    config = (system.adapter, system.base_url, system.credentials_ref, system.timeout_seconds)
    with _TARGETS_LOCK:
        cached = _TARGETS.get(system_code)
        if cached is not None and cached[0][:-1] == config:
            _TARGETS[system_code] = ((*config, time.monotonic() + TARGET_RECHECK_SECONDS), cached[1])
            return cached[1]
        adapter = adapter_for(system)
        if not isinstance(adapter, FulfilmentTarget):
            adapter.close()
            raise FulfilmentRejected(f"{system.name} cannot carry out fulfilment tasks.")
        if cached is not None:
            cached[1].close()
        _TARGETS[system_code] = ((*config, time.monotonic() + TARGET_RECHECK_SECONDS), adapter)
        return adapter
