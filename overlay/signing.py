"""The webhook signatures, both HMAC-SHA256.

Overlay signs the events it sends to listeners with ``signature_of`` (``sha256=<hex>`` of the
body). Back-office systems sign the changes they push with ``timestamped_signature``:
``t=<unix seconds>,v1=<hex of HMAC("<t>.<body>")>``, so that a captured push cannot be sent again
later (``timestamped_signature_check`` refuses an old timestamp; the receiver remembers the
signatures it accepted while they are fresh).
"""

import hashlib
import hmac


def signature_of(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def timestamped_signature(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Signature`` a back-office system sends with ``body`` at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


class SignatureRefused(ValueError):
    """Why a timestamped signature is not accepted (said to the sender: it names no secret)."""


def timestamped_signature_check(secret: str, body: bytes, header: str, *, now: float, tolerance: int) -> str:
    """The ``v1`` signature of ``header`` that signs ``body`` with ``secret``, if its timestamp is
    within ``tolerance`` seconds of ``now`` (either way: clocks differ); else ``SignatureRefused``.

    ``header`` is ``t=<unix seconds>,v1=<hex>``; several ``v1`` are allowed (a system rolling
    its secret over signs with both), other keys are ignored.
    """
    timestamp, candidates = _parsed(header)
    expected = _digest(secret, timestamp, body)
    signature = next((c for c in candidates if hmac.compare_digest(expected, c)), None)
    if signature is None:
        raise SignatureRefused("The request is not signed by this system.")
    if timestamp < now - tolerance:
        raise SignatureRefused(f"The signature is older than {tolerance} s.")
    if timestamp > now + tolerance:
        raise SignatureRefused(f"The signature's time is more than {tolerance} s ahead.")
    return signature


def _parsed(header: str) -> tuple[int, list[str]]:
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12 and timestamp is None:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value.lower())
    if timestamp is None or not candidates:
        raise SignatureRefused("X-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>.")
    return timestamp, candidates


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256).hexdigest()
