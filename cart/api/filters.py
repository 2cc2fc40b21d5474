from cart.models import Qualification, ShoppingCart
from overlay.api.filters import TMFFilterSet


class ShoppingCartFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "relatedParty.id": ("customer_id", "text"),
        "status": ("status", "text"),
        "channel": ("channel", "text"),
        "lastUpdate": ("updated_at", "datetime"),
    }

    class Meta:
        model = ShoppingCart
        fields = []


class QualificationFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "relatedParty.id": ("customer_id", "text"),
        "state": ("state", "text"),
        "channel.id": ("channel", "text"),
        "requestedPOQCompletionDate": ("expected_at", "datetime"),
        "expectedQualificationDate": ("expected_at", "datetime"),  # TMF679 R18's name
        "productOfferingQualificationDate": ("created_at", "datetime"),
        "productOfferingQualificationDateTime": ("created_at", "datetime"),
    }

    class Meta:
        model = Qualification
        fields = []
