"""TMF621 TroubleTicket's output shape, for the OpenAPI schema only (``representations.py`` builds bodies)."""

from rest_framework import serializers

from care.models import TroubleTicket
from overlay.api.outputs import Ref, one_of, shape, text, timestamp

RelatedEntity = shape("TicketRelatedEntity", {**Ref._declared_fields, "role": text()})
RelatedParty = shape("TicketRelatedParty", {**Ref._declared_fields, "role": text(False)})
Note = shape("TicketNote", {"id": text(False), "author": text(False), "date": timestamp(False), "text": text(False)})
StatusChange = shape(
    "TicketStatusChange", {"status": text(False), "changeDate": timestamp(False), "changeReason": text(False)}
)
TroubleTicketOutput = shape(
    "TroubleTicket",
    {
        "id": text(),
        "href": text(),
        "name": text(),
        "description": text(),
        "severity": one_of(*TroubleTicket.Severity.values),
        "priority": one_of(*TroubleTicket.Priority.values),
        "ticketType": text(),
        "status": one_of(*TroubleTicket.Status.values),
        "statusChangeDate": timestamp(),
        "statusChangeReason": text(False),
        "creationDate": timestamp(),
        "lastUpdate": timestamp(),
        "requestedResolutionDate": timestamp(False),
        "expectedResolutionDate": timestamp(False),
        "resolutionDate": timestamp(False),
        "externalId": text(False),
        "channel": Ref(),
        "relatedParty": RelatedParty(many=True),
        "relatedEntity": RelatedEntity(many=True),
        "note": Note(many=True, required=False),
        "statusChange": StatusChange(many=True, required=False),
        "@type": text(),
    },
)
TicketHandoffCreated = shape(
    "TicketHandoffCreated",
    {"code": text(), "expiresAt": timestamp(), "troubleTicket": Ref()},
)
TicketHandoffClaimed = shape(
    "TicketHandoffClaimed",
    {"fromChannel": text(), "note": text(False), "troubleTicket": TroubleTicketOutput()},
)
TicketPushAccepted = shape("TicketPushAccepted", {"accepted": serializers.IntegerField()})
