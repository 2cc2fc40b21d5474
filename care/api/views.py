"""TMF621 troubleTicket: customers (their own), agents and applications holding tickets:read/write."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from care import selectors, services
from care.api import outputs
from care.api.filters import TroubleTicketFilterSet
from care.api.representations import trouble_ticket
from care.api.serializers import TroubleTicketCreateInput, TroubleTicketUpdateInput
from overlay.api.views import TMFResourceViewSet
from overlay.tmf import TROUBLE_TICKET


@extend_schema_view(
    create=extend_schema(request=TroubleTicketCreateInput),
    partial_update=extend_schema(request=TroubleTicketUpdateInput),
)
class TroubleTicketViewSet(TMFResourceViewSet):
    """A fault reported about a product the customer holds, routed to the system that runs it."""

    resource_type = "TroubleTicket"
    output_serializer_class = outputs.TroubleTicketOutput
    base_path = f"{TROUBLE_TICKET.base}/troubleTicket"
    read_scope = TROUBLE_TICKET.read_scope
    write_scope = "tickets:write"
    filterset_class = TroubleTicketFilterSet
    create_serializer_class = TroubleTicketCreateInput
    update_serializer_class = TroubleTicketUpdateInput
    http_method_names = ["get", "head", "options", "post", "patch", "delete"]

    def get_queryset(self):
        return selectors.tickets_visible(self.principal)

    def with_related(self, queryset):
        return selectors.tickets_with_related(queryset)

    def represent(self, obj, ctx):
        return trouble_ticket(obj, ctx)

    def perform_create(self, data):
        return services.ticket_open(self.principal, data)

    def perform_update(self, obj, data):
        return services.ticket_update(obj, self.principal, data)

    def perform_destroy(self, obj):
        services.ticket_delete(obj, self.principal)
