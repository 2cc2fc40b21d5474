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
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from overlay.api.principal import principal_of
from overlay.api.representation import Hrefs, parse_fields, select_fields
from overlay.errors import NotFound

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def paging(request) -> tuple[int, int]:
    def read(name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError as error:
            raise ValidationError({name: f"'{raw}' is not a whole number."}) from error
        if value < 0:
            raise ValidationError({name: "must not be negative."})
        return value

    offset = read("offset", 0)
    limit = read("limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise ValidationError({"limit": f"must be at most {MAX_LIMIT}."})
    return offset, limit


class RepresentationContext:
    """What representing an object may depend on: hrefs and the caller."""

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
    def get_serializer_class(self):
        if self.action == "partial_update":
            return self.update_serializer_class
        return self.create_serializer_class

    def href_of(self, ctx: RepresentationContext, obj_id: str) -> str:
        return ctx.href(f"{self.base_path}/{obj_id}")

    def filter_queryset(self, queryset):
        if self.filterset_class is None:
            return queryset
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
        return obj

    def rendered(self, obj) -> dict:
        ctx = RepresentationContext(self.request)
        return select_fields(self.represent(obj, ctx), parse_fields(self.request.query_params.get("fields")))

    def list(self, request, *args, **kwargs):
        offset, limit = paging(request)
        cache_key = None
        version = self.list_cache_version()
        if version is not None:
            cache_key = self._page_cache_key(request, version)
            hit = cache.get(cache_key)
            if hit is not None:
                body, total, count = hit
                return self._list_response(body, total, count)
        queryset = self.filter_queryset(self.get_queryset())
        total = queryset.count()
        rows = list(self.with_related(queryset)[offset : offset + limit]) if limit and offset < total else []
        ctx = RepresentationContext(request)
        fields = parse_fields(request.query_params.get("fields"))
        data = [select_fields(self.represent(row, ctx), fields) for row in rows]
        body = JSONRenderer().render(data)
        if cache_key is not None:
            cache.set(cache_key, (body, total, len(data)), self.list_cache_seconds)
        return self._list_response(body, total, len(data))

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
        response = HttpResponse(body, content_type="application/json")
        response["X-Total-Count"] = str(total)
        response["X-Result-Count"] = str(count)
        return response

    def retrieve(self, request, pk=None, *args, **kwargs):
        return Response(self.rendered(self.get_object(pk)))

    def create(self, request, *args, **kwargs):
        serializer = self.create_serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        obj = self.perform_create(serializer.validated_data)
        obj = self.get_object(obj.pk)
        ctx = RepresentationContext(request)
        return Response(
            self.rendered(obj), status=status.HTTP_201_CREATED, headers={"Location": self.href_of(ctx, obj.pk)}
        )

    def partial_update(self, request, pk=None, *args, **kwargs):
        with transaction.atomic():
            obj = self.get_object(pk, for_update=True)
            serializer = self.update_serializer_class(
                data=request.data, partial=True, context={"request": request, "instance": obj}
            )
            serializer.is_valid(raise_exception=True)
            self.perform_update(obj, serializer.validated_data)
        return Response(self.rendered(self.get_object(pk)))

    def destroy(self, request, pk=None, *args, **kwargs):
        with transaction.atomic():
            self.perform_destroy(self.get_object(pk, for_update=True))
        return Response(status=status.HTTP_204_NO_CONTENT)
