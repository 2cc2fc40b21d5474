"""Where Overlay may send events: listeners' callbacks, checked at registration and before every delivery.

A callback is ``https`` (``http`` only where ``EVENT_CALLBACK_HTTP`` allows it), and its host must
resolve only to public addresses: not loopback, private, link-local (the cloud metadata service
lives there), shared, multicast, reserved or unspecified ones, unless the host (or host:port) is
listed in ``EVENT_CALLBACK_INTERNAL_HOSTS``. Otherwise anyone allowed to register a listener could
make Overlay call its own internal services. Deliveries do not follow redirects.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

CGNAT = ipaddress.ip_network("100.64.0.0/10")  # shared address space: not the internet


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (ip.version == 4 and ip in CGNAT)
    )


def _listed(host: str, port: int | None) -> bool:
    allowed = {entry.strip().lower() for entry in settings.EVENT_CALLBACK_INTERNAL_HOSTS if entry.strip()}
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)


def callback_problem(url: str) -> str:
    """Why events may not be sent to ``url`` ("" when they may)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "callback is not a valid URL."
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "callback must be an absolute https URL."
    if parts.scheme == "http" and not settings.EVENT_CALLBACK_HTTP:
        return "callback must use https."
    if parts.username or parts.password:
        return "callback must not carry credentials."
    if _listed(host, port):
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return f"callback host '{host}' does not resolve."
    if not addresses or any(_internal(address) for address in addresses):
        return f"callback host '{host}' is an internal address; events go to public hosts only."
    return ""
