from care.models import TroubleTicket
from overlay.api.filters import TMFFilterSet


class TroubleTicketFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "name": ("name", "text"),
        "status": ("status", "text"),
        "severity": ("severity", "text"),
        "priority": ("priority", "text"),
        "ticketType": ("category__code", "text"),
        "externalId": ("external_id", "text"),
        "channel.id": ("channel", "text"),
        "relatedParty.id": ("customer_id", "text"),
        "relatedEntity.id": ("held_product_id", "text"),
        "creationDate": ("created_at", "datetime"),
        "lastUpdate": ("updated_at", "datetime"),
    }

    class Meta:
        model = TroubleTicket
        fields = []
