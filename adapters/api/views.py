"""Overlay extension endpoints of the adapters: pushed changes and sync runs."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from adapters.models import SyncRun
from adapters.services import pushed_changes_queue, pushed_changes_verify
from overlay.api.parsers import load_json, read_body
from overlay.api.representation import timestamp
from overlay.api.views import count_headers, paging
from overlay.errors import UnprocessableEntity


class RawJSONParser(BaseParser):
    """Keeps the exact bytes: the signature is over the body as sent."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return read_body(stream)


def pushed_payload(body: bytes) -> dict:
    """A push's JSON, checked as every JSON body is, in the shape a push has: one stream, records as objects."""
    payload = load_json(body)
    records = payload.get("records") if isinstance(payload, dict) else None
    if not isinstance(payload, dict) or not isinstance(payload.get("stream"), str) or not isinstance(records, list):
        raise UnprocessableEntity('Expected {"stream": "...", "records": [{...}, ...]}.')
    if not all(isinstance(record, dict) for record in records):
        raise UnprocessableEntity("Each record must be a JSON object.")
    return payload


class SignedPushView(APIView):
    """What a system pushes, signed ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``
    with its own secret (``adapters.services.pushed_changes_verify``): the raw body is kept for the check."""

    authentication_classes = []  # the HMAC signature is the authentication
    permission_classes = [AllowAny]
    parser_classes = [RawJSONParser]
    throttle_classes = []

    def verified(self, request, system: str):
        """The system the push comes from, and the exact bytes it signed; 401 otherwise."""
        body = request.data if isinstance(request.data, bytes) else b""
        return pushed_changes_verify(system, body, request.headers.get("X-Signature", "")), body


class PushedChangesView(SignedPushView):
    """``POST /api/v1/backoffice/{system}/events``: a system pushes changed records, signed with its own
    secret; an old, future or replayed signature is refused (401)."""

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        responses={202: inline_serializer("PushAccepted", {"accepted": serializers.IntegerField()})},
        description='A signed push of changed records: ``{"stream": "...", "records": [{...}]}``.',
    )
    def post(self, request, system: str):
        source, body = self.verified(request, system)
        return Response(
            {"accepted": pushed_changes_queue(source, pushed_payload(body))}, status=status.HTTP_202_ACCEPTED
        )


class SyncRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    system = serializers.CharField(source="system.code")
    stream = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    startedAt = serializers.SerializerMethodField()
    finishedAt = serializers.SerializerMethodField()
    pages = serializers.IntegerField()
    fetched = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    quarantined = serializers.IntegerField()
    error = serializers.CharField()

    def get_startedAt(self, run) -> str:
        return timestamp(run.started_at)

    def get_finishedAt(self, run) -> str | None:
        return timestamp(run.finished_at)


class SyncRunsView(ListAPIView):
    """``GET /api/v1/sync-runs?system=crm&status=failed``: the record of every sync, newest first."""

    serializer_class = SyncRunOutput
    read_scope = "sync:read"

    def get_queryset(self):
        runs = SyncRun.objects.select_related("system")
        for name in ("status", "stream", "kind"):
            if self.request.query_params.get(name):
                runs = runs.filter(**{name: self.request.query_params[name]})
        if self.request.query_params.get("system"):
            runs = runs.filter(system__code=self.request.query_params["system"])
        return runs

    def list(self, request, *args, **kwargs):
        offset, limit = paging(request)
        runs = self.get_queryset()
        total = runs.count()
        page = list(runs[offset : offset + limit])
        return Response(SyncRunOutput(page, many=True).data, headers=count_headers(total, len(page)))
