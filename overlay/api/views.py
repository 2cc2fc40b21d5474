"""The base of every TMF resource endpoint.

A resource's viewset declares its type, its scoped queryset (from a
selector), how one object is represented, its filterset and the services that
create, change and delete it. Paging, ``fields=``, filtering, error bodies,
``href`` and status codes are done here, once.
"""

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from overlay.api.filters import normalise_query
from overlay.api.principal import principal_of
from overlay.api.renderers import JSONRenderer
from overlay.api.representation import Hrefs, parse_fields, select_fields
from overlay.api.serializers import patch_serializer
from overlay.errors import NotFound, PreconditionFailed

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10**9  # beyond any collection, and within what a database OFFSET takes


def count_headers(total: int, count: int) -> dict[str, str]:
    """TMF collection headers: how many match, how many this page holds."""
    return {"X-Total-Count": str(total), "X-Result-Count": str(count)}


def paging(request) -> tuple[int, int]:
    def read(name: str, default: int, maximum: int) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        if not (raw.isascii() and raw.isdigit()):
            raise ValidationError({name: f"'{raw[:40]}' is not a whole number (0 or more)."})
        if len(raw) > 12 or int(raw) > maximum:
            raise ValidationError({name: f"must be at most {maximum}."})
        return int(raw)

    return read("offset", 0, MAX_OFFSET), read("limit", DEFAULT_LIMIT, MAX_LIMIT)


def filters_asked(query_params, filterset_class) -> bool:
    """Whether the query names any of the filterset's filters (other parameters are ignored, as TMF asks)."""
    return not normalise_query(query_params).keys().isdisjoint(filterset_class.base_filters)


class RepresentationContext:
    """What representing an object may depend on: the request, its hrefs and who asks (personal data)."""

    def __init__(self, request):
        self.request = request
        self.href = Hrefs(request)
        self.principal = principal_of(request)


class TMFResourceViewSet(viewsets.ViewSet):
    resource_type: str = ""
    base_path: str = ""  # e.g. /tmf-api/productCatalogManagement/v4/productOffering
    filterset_class = None
    create_serializer_class = None
    update_serializer_class = None
    output_serializer_class = None  # the shape ``represent`` builds, for the OpenAPI schema
    lookup_value_regex = "[^/]+"

    # --- what a resource declares -------------------------------------------------
    def get_queryset(self):
        """The rows this caller may see (from a selector)."""
        raise NotImplementedError

    def with_related(self, queryset):
        """The queryset with what ``represent`` reads loaded in bulk."""
        return queryset

    def represent(self, obj, ctx: RepresentationContext) -> dict:
        raise NotImplementedError

    def prepare(self, rows: list) -> None:
        """Load, for all rows at once, what ``represent`` needs beyond the queryset (carts' prices...)."""

    def perform_create(self, data: dict):
        raise NotImplementedError

    def perform_update(self, obj, data: dict):
        raise NotImplementedError

    def perform_destroy(self, obj) -> None:
        raise NotImplementedError

    def list_cache_version(self) -> str | None:
        """A version of everything a list depends on, to cache rendered pages; None: no cache."""
        return None

    list_cache_seconds = 0

    # --- shared behaviour ---------------------------------------------------------
    @property
    def principal(self):
        return principal_of(self.request)

    def get_serializer_class(self):
        if self.action == "partial_update":
            return self.update_serializer_class
        return self.create_serializer_class

    def href_of(self, ctx: RepresentationContext, obj_id: str) -> str:
        return ctx.href(f"{self.base_path}/{obj_id}")

    def filter_queryset(self, queryset):
        if self.filterset_class is None or not filters_asked(self.request.query_params, self.filterset_class):
            return queryset  # building a filterset's form costs more than a page served from cache
        filterset = self.filterset_class(self.request.query_params, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    def get_object(self, pk: str, for_update: bool = False):
        queryset = self.get_queryset()
        if for_update:
            queryset = queryset.select_for_update(of=("self",))
        obj = self.with_related(queryset).filter(pk=pk).first()
        if obj is None:
            raise NotFound(f"No {self.resource_type} with id '{pk}'.")
        if not for_update:
            self.prepare([obj])
        return obj

    def etag_for(self, obj, body: dict) -> str:
        """The ETag of an object's whole representation (a resource may version it otherwise)."""
        return etag_of(body)

    def rendered(self, obj) -> tuple[dict, str]:
        """The representation (``fields=`` applied) and the ETag of the whole one."""
        full = self.represent(obj, RepresentationContext(self.request))
        etag = self.etag_for(obj, full)
        return select_fields(full, parse_fields(self.request.query_params.get("fields"))), etag

    def list(self, request, *args, **kwargs):
        offset, limit = paging(request)
        cache_key, hit = self.cached_page(request)
        if hit is not None:
            body, total, count = hit
            return self._list_response(body, total, count)
        queryset = self.filter_queryset(self.get_queryset())
        total = self.count(queryset)
        body, count = self.render_page(queryset, offset, limit) if limit and offset < total else (b"[]", 0)
        if cache_key is not None:
            cache.set(cache_key, (body, total, count), self.list_cache_seconds)
        return self._list_response(body, total, count)

    def cached_page(self, request) -> tuple[str | None, tuple | None]:
        """The key this page is kept under (None: pages are not kept) and the page kept there, if any."""
        version = self.list_cache_version()
        if version is None:
            return None, None
        key = self._page_cache_key(request, version)
        return key, cache.get(key)

    def count(self, queryset) -> int:
        """How many rows match (``X-Total-Count``)."""
        return queryset.count()

    def render_page(self, queryset, offset: int, limit: int) -> tuple[bytes, int]:
        """The page's JSON body (``fields=`` applied) and how many rows it holds."""
        rows = list(self.with_related(queryset)[offset : offset + limit])
        self.prepare(rows)
        ctx = RepresentationContext(self.request)
        fields = parse_fields(self.request.query_params.get("fields"))
        data = [select_fields(self.represent(row, ctx), fields) for row in rows]
        return JSONRenderer().render(data), len(data)

    def _page_cache_key(self, request, version: str) -> str:
        # Whatever makes two pages differ: the query, the host in hrefs, the caller's view.
        principal = principal_of(request)
        raw = "|".join(
            [
                self.resource_type,
                version,
                request.get_host(),
                request.scheme,
                self.visibility_key(principal),
                request.META.get("QUERY_STRING", ""),
            ]
        )
        return "tmfpage:" + hashlib.sha256(raw.encode()).hexdigest()

    def visibility_key(self, principal) -> str:
        """Callers with the same key see the same rows; override when visibility differs."""
        return ""

    @staticmethod
    def _list_response(body: bytes, total: int, count: int) -> HttpResponse:
        return HttpResponse(body, content_type="application/json", headers=count_headers(total, count))

    def check_if_match(self, obj) -> None:
        """``If-Match``: change only the version the client saw (412 otherwise, nothing written)."""
        expected = self.request.headers.get("If-Match")
        if expected and expected.strip() != "*" and self.rendered(obj)[1] not in etags_in(expected):
            raise PreconditionFailed(f"The {self.resource_type} changed since you read it; read it again.")

    def retrieve(self, request, pk=None, *args, **kwargs):
        return conditional_response(request, *self.rendered(self.get_object(pk)))

    def create(self, request, *args, **kwargs):
        serializer = self.create_serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        obj = self.perform_create(serializer.validated_data)
        body, etag = self.rendered(self.get_object(obj.pk))
        location = self.href_of(RepresentationContext(request), obj.pk)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location, "ETag": etag})

    def partial_update(self, request, pk=None, *args, **kwargs):
        with transaction.atomic():
            obj = self.get_object(pk, for_update=True)
            serializer = patch_serializer(
                self.update_serializer_class, request.data, {"request": request, "instance": obj}
            )
            serializer.is_valid(raise_exception=True)
            self.check_if_match(obj)
            self.perform_update(obj, serializer.validated_data)
        body, etag = self.rendered(self.get_object(pk))
        return Response(body, headers={"ETag": etag})

    def destroy(self, request, pk=None, *args, **kwargs):
        with transaction.atomic():
            obj = self.get_object(pk, for_update=True)
            self.check_if_match(obj)
            self.perform_destroy(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)


def etag_of(body) -> str:
    """A strong ETag of a JSON body."""
    return '"' + hashlib.sha256(JSONRenderer().render(body)).hexdigest()[:32] + '"'


def etags_in(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def conditional_response(request, body, etag: str) -> Response:
    """The body with its ETag, or 304 when the client has it already (If-None-Match)."""
    if etag in etags_in(request.headers.get("If-None-Match", "")):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(body, headers={"ETag": etag})
