"""``POST /api/v1/backoffice/{system}/tickets``: a system pushes where its tickets stand, signed as every push is."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from adapters.api.views import RawJSONParser
from adapters.services import pushed_changes_verify
from care.api import outputs
from care.tasks import APPLY_PUSHED
from overlay.api.parsers import load_json
from overlay.errors import UnprocessableEntity
from overlay.jobs import enqueue

MAX_PUSHED_TICKETS = 500


def pushed_tickets(body: bytes) -> list[dict]:
    payload = load_json(body)
    tickets = payload.get("tickets") if isinstance(payload, dict) else None
    if not isinstance(tickets, list) or not all(isinstance(t, dict) for t in tickets):
        raise UnprocessableEntity('Expected {"tickets": [{...}, ...]}.')
    if len(tickets) > MAX_PUSHED_TICKETS:
        raise UnprocessableEntity(f"At most {MAX_PUSHED_TICKETS} tickets per push.")
    return tickets


class PushedTicketsView(APIView):
    """A system's signed push (``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``,
    its own secret) of tickets that changed there; applied by a job, older news changing nothing."""

    authentication_classes = []  # the HMAC signature is the authentication
    permission_classes = [AllowAny]
    parser_classes = [RawJSONParser]
    throttle_classes = []

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        responses={202: outputs.TicketPushAccepted},
        description='A signed push of changed trouble tickets: ``{"tickets": [{...}]}``.',
    )
    def post(self, request, system: str):
        body = request.data if isinstance(request.data, bytes) else b""
        source = pushed_changes_verify(system, body, request.headers.get("X-Signature", ""))
        tickets = pushed_tickets(body)
        enqueue(APPLY_PUSHED, source.code, tickets)
        return Response({"accepted": len(tickets)}, status=status.HTTP_202_ACCEPTED)
