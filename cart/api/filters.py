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
    }

    class Meta:
        model = Qualification
        fields = []
