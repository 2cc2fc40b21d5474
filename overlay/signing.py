"""The one webhook signature: HMAC-SHA256 of the raw body, as ``sha256=<hex>``.

Back-office systems sign the changes they push with it; Overlay signs the events it sends.
"""

import hashlib
import hmac


def signature_of(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
