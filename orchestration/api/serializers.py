"""TMF622 input: ProductOrder_Create and CancelProductOrder_Create, parsed into domain values.

The line, party, note and place inputs are shared with the cart's API (TMF663, TMF679), which
sits above and builds on them.
"""

from rest_framework import serializers

from orchestration.lines import ACTIVE, Action, ItemInput
from orchestration.placement import OrderDetails, OrderRequest
from orchestration.qualification import Place
from overlay.api.serializers import CharacteristicValueInput, RefSerializer

MAX_ITEMS = 100
LINE_ACTIONS = [Action.ADD, Action.MODIFY, Action.DELETE]


class ProductRelationshipInput(serializers.Serializer):
    relationshipType = serializers.CharField(max_length=50)
    product = RefSerializer()


class ProductInput(serializers.Serializer):
    """``product``: the held product a line changes (``id``) and the options chosen."""

    id = serializers.CharField(max_length=64, required=False)
    productCharacteristic = CharacteristicValueInput(many=True, required=False)
    productRelationship = ProductRelationshipInput(many=True, required=False)

    class Meta:
        ref_name = "LineProductInput"  # apart from TMF637's Product


class MemberInput(serializers.Serializer):
    """A bundle member chosen in a bundle line (a child ``cartItem``)."""

    productOffering = RefSerializer()
    quantity = serializers.IntegerField(min_value=0, max_value=1000, default=1)


class NoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=500)


class LineInput(serializers.Serializer):
    """A line to order (a cart item, a product order item): what it adds, changes or ends.

    Bundle members come as child lines (``members_field``: ``cartItem`` in a cart, ``productOrderItem``
    in an order).
    """

    members_field = "cartItem"

    id = serializers.CharField(max_length=20, required=False)
    action = serializers.ChoiceField(choices=LINE_ACTIONS, default=Action.ADD)
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    productOffering = RefSerializer(required=False)
    product = ProductInput(required=False)
    note = NoteInput(many=True, required=False)

    def validate(self, attrs):
        product = attrs.get("product") or {}
        held = product.get("id")
        relationships = product.get("productRelationship") or []
        if attrs["action"] == Action.ADD and relationships:
            held = relationships[0]["product"]["id"]  # an add-on to a product the customer holds
        elif attrs["action"] == Action.ADD and held:
            raise serializers.ValidationError(
                {"product.id": "an 'add' line creates a product: name the product it adds to in productRelationship."}
            )
        characteristics = {}
        for char in product.get("productCharacteristic") or []:
            if char["name"] in characteristics:
                raise serializers.ValidationError({"product.productCharacteristic": f"'{char['name']}' twice."})
            characteristics[char["name"]] = char["value"]
        members = {}
        for member in attrs.get(self.members_field) or []:
            members[member["productOffering"]["id"]] = member["quantity"]
        return ItemInput(
            offering_id=(attrs.get("productOffering") or {}).get("id"),
            quantity=attrs["quantity"],
            action=attrs["action"],
            characteristics=characteristics,
            members=members,
            held_product_id=held,
            status=attrs.get("status", ACTIVE),
            note=" ".join(n["text"] for n in attrs.get("note") or [])[:500],
        )


class RelatedPartyInput(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    role = serializers.CharField(max_length=50, required=False)


class PlaceInput(serializers.Serializer):
    """A geographic address (TMF GeographicAddress fields Overlay needs)."""

    postcode = serializers.CharField(max_length=20)
    streetNr = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    streetName = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    role = serializers.CharField(max_length=50, required=False)

    def validate(self, attrs):
        return Place(
            postcode=attrs["postcode"].strip(),
            house_number=attrs["streetNr"].strip(),
            street=attrs["streetName"].strip(),
            city=attrs["city"].strip(),
        )


class ProductOrderItemInput(LineInput):
    """A ``productOrderItem``: a line; bundle members are child ``productOrderItem``s."""

    members_field = "productOrderItem"

    id = serializers.CharField(max_length=20)
    productOrderItem = MemberInput(many=True, required=False)

    def validate(self, attrs):
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
            details=OrderDetails(
                description=data["description"],
                external_id=data["externalId"],
                priority=data["priority"],
                category=data["category"],
                note=[{"text": n["text"]} for n in data.get("note") or []],
                requested_completion_date=data["requestedCompletionDate"],
            ),
            place=data.get("place"),
        )


class CancelProductOrderInput(serializers.Serializer):
    productOrder = RefSerializer()
    cancellationReason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    requestedCancellationDate = serializers.DateTimeField(required=False, default=None)
