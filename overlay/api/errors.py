"""TMF error objects: every error Overlay answers is ``{code, reason, message, status}``.

Services raise ``overlay.errors.DomainError`` subclasses; ``tmf_exception_handler``
is the one place that maps exceptions to HTTP statuses.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from overlay.api.parsers import PayloadTooLarge
from overlay.api.renderers import scrub
from overlay.errors import DomainError

logger = logging.getLogger(__name__)


_CODES = {
    400: ("badRequest", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("notFound", "Resource not found"),
    405: ("methodNotAllowed", "Method not allowed"),
    406: ("notAcceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("preconditionFailed", "Precondition failed"),
    413: ("payloadTooLarge", "Payload too large"),
    415: ("unsupportedMediaType", "Unsupported media type"),
    422: ("unprocessableEntity", "Unprocessable entity"),
    429: ("tooManyRequests", "Too many requests"),
    500: ("internalError", "Internal server error"),
}


# What the TMF APIs call the inputs that services name in their errors (``DomainError.field``).
TMF_FIELD_NAMES = {
    "customer": "relatedParty",
    "offering": "productOffering",
    "held_product": "product.id",
    "serial_number": "productSerialNumber",
    "termination_date": "terminationDate",
    "valid_for": "validFor",
    "specification": "productSpecification",
    "categories": "category",
    "channels": "channel",
    "segments": "marketSegment",
    "prices": "productOfferingPrice",
    "bundle_members": "bundledProductOffering",
    "parent_category": "parentId",
    "affected_product": "relatedEntity",  # a trouble ticket's (TMF621)
    "category": "ticketType",
    "notes": "note",
}


class StillReferenced(exceptions.APIException):
    """A delete the database refuses: carts, orders or other records still point at the row."""

    status_code = 409
    default_detail = "Other records (carts, orders...) still refer to it: it cannot be deleted."
    default_code = "conflict"


def domain_message(error: DomainError) -> str:
    """The error's sentence, led by the TMF name of the input at fault when it names one."""
    if not error.field:
        return error.message
    return f"{TMF_FIELD_NAMES.get(error.field, error.field)}: {error.message}"


def error_body(status: int, message: str, code: str | None = None, reason: str | None = None) -> dict:
    default_code, default_reason = _CODES.get(status, ("error", "Error"))
    return {
        "code": code or default_code,
        "reason": reason or default_reason,
        "message": scrub(message),  # it may quote the input: it must always encode
        "status": str(status),
        "@type": "Error",
    }


def flatten_detail(detail, prefix: str = "") -> list[str]:
    """Turn DRF's nested error detail into readable 'field: problem' lines."""
    if isinstance(detail, dict):
        lines = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            lines.extend(flatten_detail(value, f"{prefix}.{name}" if prefix and name else (name or prefix)))
        return lines
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [f"{prefix}: {item}" if prefix else str(item) for item in detail]
        lines = []
        for index, item in enumerate(detail):
            if item:
                lines.extend(flatten_detail(item, f"{prefix}[{index}]"))
        return lines
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def tmf_exception_handler(exc, context):
    """DRF exception handler answering every error with a TMF error object."""
    headers = {}
    if isinstance(exc, DomainError):
        set_rollback()
        body = error_body(exc.status, domain_message(exc), exc.code, exc.reason)
        body.update(exc.extra)
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        exc = StillReferenced()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError("The request is malformed.")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        status = exc.status_code
        if isinstance(exc, exceptions.ValidationError):
            message = "; ".join(flatten_detail(exc.detail)) or "Invalid input."
        else:
            message = str(exc.detail)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return Response(error_body(status, message), status=status, headers=headers)
    set_rollback()
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
    return Response(error_body(500, "The server could not complete the request."), status=500)


def is_api_path(path: str) -> bool:
    return path.startswith("/tmf-api/") or path.startswith("/api/")


def json_handler404(request, exception=None):
    """TMF error body for API paths; Django's page for the admin."""
    if is_api_path(request.path):
        return JsonResponse(error_body(404, f"No resource at {request.path}."), status=404)
    return defaults.page_not_found(request, exception)


def json_handler500(request):
    if is_api_path(request.path):
        return JsonResponse(error_body(500, "The server could not complete the request."), status=500)
    return defaults.server_error(request)
