"""The operators' pages outside the API: ``/metrics`` for Prometheus, and the landing page ``/``.

``/metrics`` is not for everyone: ``METRICS_TOKEN`` (a bearer token) and/or ``METRICS_ALLOWED_NETWORKS``
(loopback by default) decide who may read it; anyone else gets 401 or 403, a TMF error object and nothing else.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from overlay.api.errors import error_body
from overlay.metrics import exposition


def allowed_network(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)


def refusal(request) -> JsonResponse | None:
    """401 without the right bearer token (when one is set), 403 from outside the allowed networks."""
    if settings.METRICS_TOKEN:
        sent = request.headers.get("Authorization", "")
        scheme, _, token = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), settings.METRICS_TOKEN.encode()
        ):
            response = JsonResponse(error_body(401, "The metrics need their bearer token."), status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    if settings.METRICS_ALLOWED_NETWORKS and not allowed_network(request.META.get("REMOTE_ADDR", "")):
        return JsonResponse(error_body(403, "The metrics are not served to this network."), status=403)
    return None


@never_cache
@require_safe
def metrics(request):
    """Every metric in Prometheus's text format, for the scraper the settings allow."""
    if not settings.METRICS_ENABLED:
        return JsonResponse(error_body(404, f"No resource at {request.path}."), status=404)
    if (refused := refusal(request)) is not None:
        return refused
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


@require_safe
def landing(request):
    """``/``: where to go from here (the console, the API docs, the probes), instead of a bare 404."""
    return render(request, "overlay/landing.html")
