"""OpenAPI schema tweaks: bearer auth, TMF paths without the optional slash, TMF operation ids."""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ACTIONS = {"list": "list", "create": "create", "retrieve": "retrieve", "partial_update": "patch", "destroy": "delete"}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "overlay.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A channel application's token from `manage.py create_api_client`.",
        }


def drop_slash_variants(endpoints, **kwargs):
    """Routes answer with and without a trailing slash; document each once."""
    paths = {path for path, *_ in endpoints}
    return [e for e in endpoints if not (e[0].endswith("/") and e[0].rstrip("/") in paths)]


def tmf_paths_and_operation_ids(result, generator, request, public):
    paths = {}
    for path, operations in result["paths"].items():
        clean = path.rstrip("/") if path.startswith("/tmf-api/") else path
        for operation in operations.values():
            match = re.match(
                r"tmf_api_\w+?_v\d+_(\w+?)_(list|create|retrieve|partial_update|destroy)$", operation["operationId"]
            )
            if match and match.group(1) != "hub":
                resource, action = match.groups()
                operation["operationId"] = ACTIONS[action] + resource[0].upper() + resource[1:]
        paths[clean] = operations
    result["paths"] = paths
    return result
