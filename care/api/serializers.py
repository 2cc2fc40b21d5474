"""TMF621 input: TroubleTicket_Create and TroubleTicket_Update, into the services' domain values."""

from rest_framework import serializers

from care.models import TroubleTicket
from care.services import TicketChanges, TicketInput

TEXT = {"max_length": 4000, "trim_whitespace": True}
# Set by Overlay or by the system working on the ticket, never by a caller.
READ_ONLY = (
    "id",
    "href",
    "creationDate",
    "lastUpdate",
    "statusChange",
    "statusChangeDate",
    "resolutionDate",
    "expectedResolutionDate",
    "externalId",
    "channel",
)
# Fixed once opened: what the ticket is about and whose it is.
FIXED = ("relatedEntity", "relatedParty", "ticketType", "troubleTicketRelationship", "attachment")


# A TMF621 RelatedEntity / RelatedParty on input ("@referredType" is no Python name).
RefInput = type(
    "TicketRefInput",
    (serializers.Serializer,),
    {
        "id": serializers.CharField(max_length=64),
        "role": serializers.CharField(max_length=50, required=False, allow_blank=True),
        "name": serializers.CharField(max_length=200, required=False, allow_blank=True),
        "href": serializers.CharField(max_length=500, required=False, allow_blank=True),
        "@referredType": serializers.CharField(max_length=50, required=False, allow_blank=True),
    },
)


class TicketNoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    author = serializers.CharField(max_length=150, required=False)  # who wrote it is the caller, always
    date = serializers.DateTimeField(required=False)


def _refuse(data, names, why: str) -> None:
    present = sorted(name for name in names if name in data)
    if present:
        raise serializers.ValidationError({name: why for name in present})


class TroubleTicketCreateInput(serializers.Serializer):
    """TMF621 TroubleTicket_Create: description, severity and ticketType are required; the affected product is
    the ``relatedEntity`` whose ``@referredType`` is Product (role affectedProduct or none)."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(**TEXT)
    severity = serializers.ChoiceField(choices=TroubleTicket.Severity.values)
    priority = serializers.ChoiceField(choices=TroubleTicket.Priority.values, required=False)
    ticketType = serializers.SlugField(max_length=64)
    requestedResolutionDate = serializers.DateTimeField(required=False)
    relatedEntity = RefInput(many=True, max_length=10)
    relatedParty = RefInput(many=True, required=False, max_length=5)
    note = TicketNoteInput(many=True, required=False, max_length=20)
    status = serializers.ChoiceField(choices=[TroubleTicket.Status.ACKNOWLEDGED], required=False)

    def validate(self, attrs):
        _refuse(self.initial_data, READ_ONLY, "is set by Overlay, not by the caller.")
        products = [
            e
            for e in attrs["relatedEntity"]
            if e.get("@referredType", "Product") == "Product"
            and (e.get("role") or "affectedProduct") == "affectedProduct"
        ]
        if len(products) != 1:
            raise serializers.ValidationError({"relatedEntity": "name exactly one affected Product."})
        customers = [p for p in attrs.get("relatedParty") or () if (p.get("role") or "customer") == "customer"]
        if len(customers) > 1:
            raise serializers.ValidationError({"relatedParty": "name at most one customer."})
        return TicketInput(
            held_product_id=products[0]["id"],
            category_code=attrs["ticketType"],
            description=attrs["description"],
            severity=attrs["severity"],
            name=attrs.get("name") or "",
            priority=attrs.get("priority") or TroubleTicket.Priority.MEDIUM,
            customer_id=customers[0]["id"] if customers else None,
            requested_resolution_date=attrs.get("requestedResolutionDate"),
            notes=tuple(n["text"] for n in attrs.get("note") or ()),
        )


class TroubleTicketUpdateInput(serializers.Serializer):
    """TMF621 TroubleTicket_Update as a merge patch: words, severity, priority, a status the caller may set
    (cancelled, closed, inProgress after resolved), and notes to add (``note``: the new ones)."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(**TEXT)
    severity = serializers.ChoiceField(choices=TroubleTicket.Severity.values)
    priority = serializers.ChoiceField(choices=TroubleTicket.Priority.values)
    requestedResolutionDate = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=TroubleTicket.Status.values)
    statusChangeReason = serializers.CharField(max_length=300)
    note = TicketNoteInput(many=True, max_length=20)

    def validate(self, attrs):
        _refuse(self.initial_data, READ_ONLY, "is set by Overlay, not by the caller.")
        _refuse(self.initial_data, FIXED, "cannot change once the ticket is open.")
        if not attrs:
            raise serializers.ValidationError("Nothing to change.")
        return TicketChanges(
            name=attrs.get("name"),
            description=attrs.get("description"),
            severity=attrs.get("severity"),
            priority=attrs.get("priority"),
            requested_resolution_date=attrs.get("requestedResolutionDate"),
            status=attrs.get("status"),
            status_change_reason=attrs.get("statusChangeReason"),
            notes=tuple(n["text"] for n in attrs.get("note") or ()),
        )
