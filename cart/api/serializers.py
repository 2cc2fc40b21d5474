"""TMF663 / hand-off / checkout / TMF679 input, parsed into the services' domain values."""

from rest_framework import serializers

from cart.models import CartItem
from cart.qualification import Place
from cart.services import ItemInput
from overlay.api.serializers import CharacteristicValueInput, RefSerializer

MAX_ITEMS = 100


class ProductRelationshipInput(serializers.Serializer):
    relationshipType = serializers.CharField(max_length=50)
    product = RefSerializer()


class ProductInput(serializers.Serializer):
    """``product``: the held product a line changes (``id``) and the options chosen."""

    id = serializers.CharField(max_length=64, required=False)
    productCharacteristic = CharacteristicValueInput(many=True, required=False)
    productRelationship = ProductRelationshipInput(many=True, required=False)


class MemberInput(serializers.Serializer):
    """A bundle member chosen in a bundle line (a child ``cartItem``)."""

    productOffering = RefSerializer()
    quantity = serializers.IntegerField(min_value=0, max_value=1000, default=1)


class NoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=500)


class CartItemInput(serializers.Serializer):
    id = serializers.CharField(max_length=20, required=False)
    action = serializers.ChoiceField(choices=CartItem.Action.values, default=CartItem.Action.ADD)
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    status = serializers.ChoiceField(choices=CartItem.Status.values, default=CartItem.Status.ACTIVE)
    productOffering = RefSerializer(required=False)
    product = ProductInput(required=False)
    cartItem = MemberInput(many=True, required=False)
    note = NoteInput(many=True, required=False)

    def validate(self, attrs):
        product = attrs.get("product") or {}
        held = product.get("id")
        relationships = product.get("productRelationship") or []
        if attrs["action"] == CartItem.Action.ADD and relationships:
            held = relationships[0]["product"]["id"]  # an add-on to a product the customer holds
        elif attrs["action"] == CartItem.Action.ADD and held:
            raise serializers.ValidationError(
                {"product.id": "an 'add' line creates a product: name the product it adds to in productRelationship."}
            )
        characteristics = {}
        for char in product.get("productCharacteristic") or []:
            if char["name"] in characteristics:
                raise serializers.ValidationError({"product.productCharacteristic": f"'{char['name']}' twice."})
            characteristics[char["name"]] = char["value"]
        members = {}
        for member in attrs.get("cartItem") or []:
            members[member["productOffering"]["id"]] = member["quantity"]
        return ItemInput(
            offering_id=(attrs.get("productOffering") or {}).get("id"),
            quantity=attrs["quantity"],
            action=attrs["action"],
            characteristics=characteristics,
            members=members,
            held_product_id=held,
            status=attrs["status"],
            note=" ".join(n["text"] for n in attrs.get("note") or [])[:500],
        )


class RelatedPartyInput(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    role = serializers.CharField(max_length=50, required=False)


class ShoppingCartInput(serializers.Serializer):
    cartItem = CartItemInput(many=True, required=False, max_length=MAX_ITEMS)
    relatedParty = RelatedPartyInput(many=True, required=False, max_length=5)
    contactMedium = serializers.ListField(child=serializers.DictField(), required=False, max_length=10)

    def validate_relatedParty(self, parties):
        customers = [p for p in parties if (p.get("role") or "customer").lower() == "customer"]
        if len(customers) > 1:
            raise serializers.ValidationError("a cart belongs to one customer.")
        return customers[0]["id"] if customers else None


class ItemChangeInput(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    status = serializers.ChoiceField(choices=CartItem.Status.values, required=False)
    product = ProductInput(required=False)

    def validate(self, attrs):
        product = attrs.pop("product", None)
        if product is not None and "productCharacteristic" in product:
            attrs["characteristics"] = {c["name"]: c["value"] for c in product["productCharacteristic"]}
        if not attrs:
            raise serializers.ValidationError("nothing to change: give quantity, status or product.")
        return attrs


class AttachInput(serializers.Serializer):
    """Applications name the customer; a customer token needs the cart's secret instead."""

    relatedParty = RelatedPartyInput(required=False)


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


class HandoffInput(serializers.Serializer):
    shoppingCart = RefSerializer()
    place = PlaceInput(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    configurator = serializers.DictField(required=False, help_text="Choices made so far, kept as given.")

    def validate_configurator(self, value):
        if len(str(value)) > 10_000:
            raise serializers.ValidationError("is too large (10,000 characters at most).")
        return value


class CheckoutInput(serializers.Serializer):
    place = PlaceInput(required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class QualificationItemInput(serializers.Serializer):
    id = serializers.CharField(max_length=20, required=False)
    productOffering = RefSerializer()


class QualificationInput(serializers.Serializer):
    productOfferingQualificationItem = QualificationItemInput(many=True, required=False, max_length=MAX_ITEMS)
    relatedParty = RelatedPartyInput(many=True, required=False, max_length=5)
    place = PlaceInput(many=True, required=False, max_length=1)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    instantSyncQualification = serializers.BooleanField(required=False)
