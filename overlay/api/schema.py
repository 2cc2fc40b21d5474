"""The OpenAPI schema says what the API answers: bodies, errors, parameters, TMF paths and operation ids.

- A TMF resource documents its responses with its ``output_serializer_class`` (the shape its
  ``represent`` builds) when it declares one; its lists and reads document ``fields``, paging and
  the TMF630 filters of its filterset.
- Every operation documents the errors it can answer (``error_statuses``), each a TMF ``Error``.
- The hooks drop the optional trailing slash of TMF paths, give TMF operations TMF's operation ids
  and make each API's ``/hub`` operation ids unique.
"""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny

from overlay.api.filters import ORDERED_KINDS
from overlay.api.views import MAX_LIMIT, MAX_OFFSET, TMFResourceViewSet

ACTIONS = {"list": "list", "create": "create", "retrieve": "retrieve", "partial_update": "patch", "destroy": "delete"}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANSWERING_ACTIONS = ("list", "retrieve", "create", "partial_update")  # those that answer the resource
ERROR = {
    "type": "object",
    "description": "A TMF error object: every refusal is one (some add details, such as a new price).",
    "properties": {
        "code": {"type": "string", "description": "What went wrong, for programs (badRequest, notFound...)."},
        "reason": {"type": "string", "description": "What went wrong, in a few words."},
        "message": {"type": "string", "description": "What went wrong and what to do, naming the input at fault."},
        "status": {"type": "string", "description": "The HTTP status code, as a string."},
        "@type": {"type": "string", "enum": ["Error"]},
    },
    "required": ["code", "reason", "message", "status", "@type"],
}
ERRORS = {
    400: "Bad input: a body that is not JSON, bad text, deep nesting, an invalid attribute or query parameter.",
    401: "No credentials, or credentials Overlay does not accept.",
    403: "The credentials do not grant this operation.",
    404: "No such resource, or one the caller may not see (the path's or one the body names).",
    406: "The Accept header names no type Overlay answers with (it answers application/json).",
    409: "The operation conflicts with the resource's state.",
    412: "If-Match names a version that is no longer current: read the resource again.",
    413: "The body is larger than the server accepts.",
    415: "The body is not JSON (application/json or application/merge-patch+json).",
    422: "Valid input that the domain's rules refuse.",
    429: "Too many requests: wait as long as Retry-After says.",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "overlay.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A channel application's token from `manage.py create_api_client`.",
        }


class Customer360Schema(OpenApiViewExtension):
    """The 360° (``console``) is one composed object; the schema names it without describing its parts."""

    target_class = "console.api.views.Customer360View"

    def view_replacement(self):
        view = self.target_class

        class Documented(view):
            @extend_schema(
                responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The customer's 360° view.")}
            )
            def get(self, request, customer_id: str):
                return view.get(self, request, customer_id)

        return Documented


def error_statuses(method: str, operation: dict, view) -> list[int]:
    """The error statuses an operation can answer, from what it takes and how it is guarded."""
    has_body = "requestBody" in operation or method in ("POST", "PATCH")
    takes_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    names_a_resource = any(p.get("in") == "path" for p in operation.get("parameters", [])) or has_body
    open_to_all = any(issubclass(p, AllowAny) for p in view.permission_classes)
    statuses = {401, 406}  # a missing token (for the webhook: signature); an Accept nothing satisfies
    statuses |= {400} if has_body or takes_query else set()
    statuses |= set() if open_to_all else {403}
    statuses |= {404} if names_a_resource else set()
    statuses |= {413, 415} if has_body else set()
    statuses |= {409, 422} if method in WRITES else set()
    statuses |= {412} if honours_if_match(view, method) else set()
    statuses |= {429} if view.throttle_classes else set()
    return sorted(statuses)


def honours_if_match(view, method: str) -> bool:
    """TMF resources check ``If-Match`` on PATCH and DELETE; other views say so (``honours_if_match``)."""
    if isinstance(view, TMFResourceViewSet):
        return method in ("PATCH", "DELETE")
    return getattr(view, "honours_if_match", False)


def error_response(status: int) -> dict:
    return {
        "description": ERRORS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


class OverlayAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, told what Overlay's views answer (see the module's docstring)."""

    def get_response_serializers(self):
        output = getattr(self.view, "output_serializer_class", None)
        if output is not None and getattr(self.view, "action", None) in ANSWERING_ACTIONS:
            return output()
        return super().get_response_serializers()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if isinstance(self.view, TMFResourceViewSet) and self.method == "GET":
            parameters += tmf_read_parameters(self.view)
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for status in error_statuses(method, operation, self.view):
            operation["responses"].setdefault(str(status), error_response(status))
        return operation


def tmf_read_parameters(view: TMFResourceViewSet) -> list[OpenApiParameter]:
    """``fields`` on reads; paging and the filterset's TMF630 attributes on lists."""
    parameters = [OpenApiParameter("fields", str, description="Comma-separated first-level attributes to return.")]
    if view.action != "list":
        return parameters
    parameters += [
        OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}, description="Skip."),
        OpenApiParameter("limit", {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}, description="Page size."),
    ]
    for name, (_, kind) in getattr(view.filterset_class, "tmf_attributes", {}).items():
        described = f"TMF630 filter ({kind}); comma-separated values mean any of them."
        parameters.append(OpenApiParameter(name, str, description=described))
        if kind in ORDERED_KINDS:
            parameters += [OpenApiParameter(f"{name}.{op}", str, description=described) for op in ("gt", "lt")]
    return parameters


def selections_for_fields(result, generator, request, public):
    """A read that takes ``fields=`` may answer any of its resource's first-level attributes.

    Its 200 response refers to ``<Resource>Selection``: the resource's shape without required
    attributes (nested objects are whole, so they keep theirs). Creates and changes answer the
    whole resource, as its own shape says.
    """
    schemas = result["components"]["schemas"]
    for operations in result["paths"].values():
        for operation in operations.values():
            if not any(p["name"] == "fields" for p in operation.get("parameters", [])):
                continue
            body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
            target = body.get("schema", {}).get("items", body.get("schema", {}))
            if "$ref" not in target:
                continue
            name = target["$ref"].rsplit("/", 1)[1]
            selection = {key: value for key, value in schemas[name].items() if key != "required"}
            selection["description"] = f"{name}: the attributes named in fields= (all of them without it)."
            schemas[f"{name}Selection"] = selection
            target["$ref"] = f"#/components/schemas/{name}Selection"
    return result


def drop_slash_variants(endpoints, **kwargs):
    """Routes answer with and without a trailing slash; document each once."""
    paths = {path for path, *_ in endpoints}
    return [e for e in endpoints if not (e[0].endswith("/") and e[0].rstrip("/") in paths)]


def tmf_paths_and_operation_ids(result, generator, request, public):
    """TMF paths without their optional slash; TMF's operation ids; one pair of listener ids per API's hub."""
    paths = {}
    for path, operations in result["paths"].items():
        clean = path.rstrip("/") if path.startswith("/tmf-api/") else path
        hub = re.match(r"/tmf-api/(\w+)/v\d+/hub", clean)
        for operation in operations.values():
            match = re.match(
                r"tmf_api_\w+?_v\d+_(\w+?)_(list|create|retrieve|partial_update|destroy)$", operation["operationId"]
            )
            if hub and operation["operationId"] in ("registerListener", "unregisterListener"):
                api = hub.group(1)[0].upper() + hub.group(1)[1:]
                operation["operationId"] = operation["operationId"].replace("Listener", f"{api}Listener")
            elif match and match.group(1) != "hub":
                resource, action = match.groups()
                operation["operationId"] = ACTIONS[action] + resource[0].upper() + resource[1:]
        paths[clean] = operations
    result["paths"] = paths
    result["components"].setdefault("schemas", {})["Error"] = ERROR
    return result
