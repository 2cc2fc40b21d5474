"""TMF622 input: ProductOrder_Create and CancelProductOrder_Create, parsed into domain values."""

from rest_framework import serializers

from cart.api.serializers import CartItemInput, MemberInput, NoteInput, PlaceInput, RelatedPartyInput
from cart.checkout import OrderRequest
from orchestration.models import ProductOrderItem
from overlay.api.serializers import RefSerializer

MAX_ITEMS = 100


class ProductOrderItemInput(CartItemInput):
    """A ``productOrderItem``: like a cart line; bundle members are child ``productOrderItem``s."""

    id = serializers.CharField(max_length=20)
    action = serializers.ChoiceField(choices=[a for a in ProductOrderItem.Action.values if a != "noChange"])
    status = None
    productOrderItem = MemberInput(many=True, required=False)

    def validate(self, attrs):
        attrs["status"] = "active"
        attrs["cartItem"] = attrs.pop("productOrderItem", [])
        return {"id": attrs["id"], "item": super().validate(attrs)}


class ProductOrderInput(serializers.Serializer):
    productOrderItem = ProductOrderItemInput(many=True, min_length=1, max_length=MAX_ITEMS)
    relatedParty = RelatedPartyInput(many=True, required=False, max_length=5)
    description = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    externalId = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    priority = serializers.ChoiceField(choices=["0", "1", "2", "3", "4"], required=False, default="")
    category = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)
    requestedCompletionDate = serializers.DateTimeField(required=False, default=None)
    note = NoteInput(many=True, required=False, max_length=20)
    place = PlaceInput(required=False, help_text="Where fixed services are delivered (default: the customer's).")

    def validate_productOrderItem(self, items):
        ids = [i["id"] for i in items]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("item ids must be unique within the order.")
        return items

    def validate_relatedParty(self, parties):
        customers = [p for p in parties if (p.get("role") or "customer").lower() == "customer"]
        if len(customers) > 1:
            raise serializers.ValidationError("an order is for one customer.")
        return customers[0]["id"] if customers else None

    def to_request(self, customer_id: str) -> OrderRequest:
        data = self.validated_data
        return OrderRequest(
            customer_id=customer_id,
            items=[i["item"] for i in data["productOrderItem"]],
            item_ids=[i["id"] for i in data["productOrderItem"]],
            description=data["description"],
            external_id=data["externalId"],
            priority=data["priority"],
            category=data["category"],
            note=[{"text": n["text"]} for n in data.get("note") or []],
            requested_completion_date=data["requestedCompletionDate"],
            place=data.get("place"),
        )


class CancelProductOrderInput(serializers.Serializer):
    productOrder = RefSerializer()
    cancellationReason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    requestedCancellationDate = serializers.DateTimeField(required=False, default=None)
