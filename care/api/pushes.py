"""``POST /api/v1/backoffice/{system}/tickets``: a system pushes where its tickets stand, signed as every push is."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from adapters.api.views import SignedPushView
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


class PushedTicketsView(SignedPushView):
    """A system's signed push of tickets that changed there; applied by a job, older news changing nothing."""

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        responses={202: outputs.TicketPushAccepted},
        description='A signed push of changed trouble tickets: ``{"tickets": [{...}]}``.',
    )
    def post(self, request, system: str):
        source, body = self.verified(request, system)
        tickets = pushed_tickets(body)
        enqueue(APPLY_PUSHED, source.code, tickets)
        return Response({"accepted": len(tickets)}, status=status.HTTP_202_ACCEPTED)
