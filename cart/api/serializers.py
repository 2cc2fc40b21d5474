"""TMF663 / hand-off / checkout / TMF679 input, parsed into the services' domain values.

Lines, parties and places are parsed as orders parse them (``orchestration.api.serializers``).
"""

from dataclasses import replace

from rest_framework import serializers

from cart.models import CartItem
from cart.qualification import Question
from orchestration.api.serializers import LineInput, MemberInput, PlaceInput, ProductInput, RelatedPartyInput
from overlay.api.serializers import RefSerializer

MAX_ITEMS = 100


class CartItemInput(LineInput):
    """A ``cartItem``: a line, which may be saved for later; bundle members are child ``cartItem``s."""

    status = serializers.ChoiceField(choices=CartItem.Status.values, default=CartItem.Status.ACTIVE)
    cartItem = MemberInput(many=True, required=False)


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
    """An offering to qualify, or a category: "what can I get in it here?"."""

    id = serializers.CharField(max_length=20, required=False)
    productOffering = RefSerializer(required=False)
    category = RefSerializer(required=False)

    def validate(self, attrs):
        if ("productOffering" in attrs) == ("category" in attrs):
            raise serializers.ValidationError("name a productOffering or a category: one of them.")
        return Question(
            item_id=attrs.get("id", ""),
            offering_id=(attrs.get("productOffering") or {}).get("id", ""),
            category_id=(attrs.get("category") or {}).get("id", ""),
        )


class QualificationInput(serializers.Serializer):
    productOfferingQualificationItem = QualificationItemInput(many=True, min_length=1, max_length=MAX_ITEMS)
    relatedParty = RelatedPartyInput(many=True, required=False, max_length=5)
    place = PlaceInput(many=True, required=False, max_length=1)
    channel = RefSerializer(required=False, help_text="The channel to qualify for (its code); default: yours.")
    description = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    instantSyncQualification = serializers.BooleanField(required=False)
    provideAlternative = serializers.BooleanField(default=False)
    provideOnlyAvailable = serializers.BooleanField(default=False)
    provideUnavailabilityReason = serializers.BooleanField(default=True)
    requestedPOQCompletionDate = serializers.DateTimeField(required=False, default=None)
    expectedQualificationDate = serializers.DateTimeField(
        required=False, default=None, help_text="TMF679 R18's name for requestedPOQCompletionDate."
    )

    def validate_productOfferingQualificationItem(self, questions):
        # Items without an id are numbered by position.
        numbered = [replace(q, item_id=q.item_id or str(n)) for n, q in enumerate(questions, start=1)]
        ids = [q.item_id for q in numbered]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("item ids must be unique within the qualification.")
        return numbered

    def validate(self, attrs):
        requested, expected = attrs.pop("requestedPOQCompletionDate"), attrs.pop("expectedQualificationDate")
        if requested and expected and requested != expected:
            raise serializers.ValidationError(
                {"expectedQualificationDate": "differs from requestedPOQCompletionDate: give one of them."}
            )
        attrs["expected_at"] = requested or expected
        return attrs
