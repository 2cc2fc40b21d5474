"""``POST /api/v1/ticket-handoffs`` and ``POST /api/v1/ticket-handoffs/{code}/claim``: tickets change channel."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from care import handoffs
from care.api import outputs
from care.api.representations import ticket_href, trouble_ticket
from care.selectors import tickets_visible, tickets_with_related
from overlay.api.permissions import AuthenticatedPrincipal
from overlay.api.principal import principal_of
from overlay.api.representation import timestamp
from overlay.api.serializers import RefSerializer
from overlay.api.throttling import HandoffClaimClientThrottle, HandoffClaimCodeThrottle
from overlay.api.views import RepresentationContext


class TicketHandoffInput(serializers.Serializer):
    troubleTicket = RefSerializer()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


def _require_write(request):
    principal = principal_of(request)
    if not principal.has_scope("tickets:write") or not principal.has_scope("tickets:read"):
        raise PermissionDenied("Handing tickets over needs tickets:read and tickets:write.")
    return principal


class TicketHandoffsView(APIView):
    """A code that moves a ticket to another channel (read out to an agent, say)."""

    permission_classes = [AuthenticatedPrincipal]
    serializer_class = TicketHandoffInput

    @extend_schema(responses={201: outputs.TicketHandoffCreated})
    def post(self, request):
        principal = _require_write(request)
        serializer = TicketHandoffInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = handoffs.ticket_handoff_create(data["troubleTicket"]["id"], principal, data.get("note") or "")
        ctx = RepresentationContext(request)
        ticket_id = created.handoff.ticket_id
        body = {
            "code": created.code,
            "expiresAt": timestamp(created.handoff.expires_at),
            "troubleTicket": {"id": ticket_id, "href": ticket_href(ctx, ticket_id), "@referredType": "TroubleTicket"},
        }
        return Response(body, status=status.HTTP_201_CREATED)


class TicketHandoffClaimView(APIView):
    """Take the ticket over here, once: the answer is the ticket."""

    permission_classes = [AuthenticatedPrincipal]
    throttle_classes = [HandoffClaimClientThrottle, HandoffClaimCodeThrottle]

    @extend_schema(request=None, responses={200: outputs.TicketHandoffClaimed})
    def post(self, request, code):
        principal = _require_write(request)  # before the code is used up: the answer is the ticket
        handoff = handoffs.ticket_handoff_claim(code, principal)
        ticket = tickets_with_related(tickets_visible(principal).filter(pk=handoff.ticket_id)).get()
        body = {
            "fromChannel": handoff.from_channel,
            "note": handoff.note or None,
            "troubleTicket": trouble_ticket(ticket, RepresentationContext(request)),
        }
        return Response({k: v for k, v in body.items() if v is not None})
