from orchestration.models import CancelProductOrder, ProductOrder
from overlay.api.filters import TMFFilterSet


class ProductOrderFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "state": ("state", "text"),
        "relatedParty.id": ("customer_id", "text"),
        "externalId": ("external_id", "text"),
        "category": ("category", "text"),
        "channel.id": ("channel", "text"),
        "orderDate": ("order_date", "datetime"),
    }

    class Meta:
        model = ProductOrder
        fields = []


class CancelProductOrderFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "state": ("state", "text"),
        "productOrder.id": ("order_id", "text"),
        "cancellationReason": ("cancellation_reason", "text"),
    }

    class Meta:
        model = CancelProductOrder
        fields = []
