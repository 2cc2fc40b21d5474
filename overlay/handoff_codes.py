"""Hand-off codes, shared by everything handed between channels (carts, trouble tickets).

Codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), so they can be read
out on the phone; only their SHA-256 is stored. Whoever claims one answers a wrong, expired or used
code the same way, so trying codes tells nothing about which ever existed; the API rate-limits tries
per caller and per code (``overlay.api.throttling``).
"""

import hashlib
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def normalise_code(raw: str) -> str:
    """What the customer reads out: any case, spaces and dashes ignored."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def still_open(handoff, now) -> bool:
    """A hand-off (a row with ``claimed_at`` and ``expires_at``, or None) that may still be claimed."""
    return handoff is not None and handoff.claimed_at is None and handoff.expires_at > now


def mark_claimed(handoff, principal, now) -> None:
    """Who took the hand-off over, where and when (the caller saves it)."""
    handoff.claimed_at = now
    handoff.claimed_by = principal.actor
    handoff.claimed_channel = principal.channel


def well_formed(code: str) -> bool:
    """Whether a normalised code could be one at all (the length; any other code is refused the same way)."""
    return len(code) == CODE_LENGTH
