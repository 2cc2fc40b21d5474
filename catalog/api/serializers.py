"""Catalog input: TMF620 v4 ``*_Create`` / ``*_Update`` bodies turned into domain dicts for the services."""

from decimal import Decimal

from rest_framework import serializers

from catalog.models import CharacteristicSpec, Lifecycle, ProductOfferingPrice
from catalog.services import CharacteristicInput, MemberInput, TierInput
from overlay.api.serializers import RefSerializer, TimePeriodSerializer, TMFInputSerializer


class CatalogEntityInput(TMFInputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    version = serializers.CharField(required=False, allow_blank=True, max_length=20)
    lifecycleStatus = serializers.ChoiceField(choices=Lifecycle.values, required=False, source="lifecycle_status")
    validFor = TimePeriodSerializer(required=False, allow_null=True, source="valid_for")


# Cardinalities and bundle counts: as many as a cart line may hold (and a small integer column can).
MAX_COUNT = 1000


def count_field(default: int, source: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=default, source=source)


class BundleOptionInput(serializers.Serializer):
    numberRelOfferLowerLimit = count_field(1, "lower")
    numberRelOfferUpperLimit = count_field(1, "upper")
    numberRelOfferDefault = count_field(1, "default")


class BundledOfferingInput(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    bundledProductOfferingOption = BundleOptionInput(required=False, source="option")

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        option = values.get("option") or {"lower": 1, "upper": 1, "default": 1}
        return MemberInput(values["id"], option["lower"], option["upper"], option["default"])


class ProductOfferingInput(CatalogEntityInput):
    isBundle = serializers.BooleanField(required=False, source="is_bundle")
    isSellable = serializers.BooleanField(required=False, source="is_sellable")
    statusReason = serializers.CharField(required=False, allow_blank=True, max_length=200, source="status_reason")
    productSpecification = RefSerializer(required=False, allow_null=True)
    category = RefSerializer(many=True, required=False)
    channel = RefSerializer(many=True, required=False)
    marketSegment = RefSerializer(many=True, required=False)
    productOfferingPrice = RefSerializer(many=True, required=False)
    bundledProductOffering = BundledOfferingInput(many=True, required=False, source="members")

    ref_lists = {
        "category": "category_ids",
        "channel": "channel_ids",
        "marketSegment": "segment_ids",
        "productOfferingPrice": "price_ids",
    }

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "productSpecification" in values:
            ref = values.pop("productSpecification")
            values["specification_id"] = ref["id"] if ref else None
        return values


class CharacteristicValueInput(serializers.Serializer):
    value = serializers.JSONField(required=False)
    isDefault = serializers.BooleanField(required=False, default=False, source="is_default")
    valueFrom = serializers.CharField(required=False, allow_blank=True, max_length=50, source="value_from")
    valueTo = serializers.CharField(required=False, allow_blank=True, max_length=50, source="value_to")
    unitOfMeasure = serializers.CharField(required=False, allow_blank=True, max_length=20, source="unit_of_measure")

    class Meta:
        ref_name = "SpecCharacteristicValueInput"  # apart from the characteristic a line chooses

    def validate_value(self, value):
        if isinstance(value, (dict, list)):
            raise serializers.ValidationError("must be a single value.")
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)


class CharacteristicInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    valueType = serializers.ChoiceField(
        choices=CharacteristicSpec.ValueType.values, required=False, default="string", source="value_type"
    )
    configurable = serializers.BooleanField(required=False, default=True)
    minCardinality = count_field(0, "min_cardinality")
    maxCardinality = count_field(1, "max_cardinality")
    regex = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    productSpecCharacteristicValue = CharacteristicValueInput(many=True, required=False, source="values")

    class Meta:
        ref_name = "SpecCharacteristicInput"  # apart from a customer's characteristic

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        values["values"] = tuple(dict(v) for v in values.get("values", ()))
        return CharacteristicInput(**values)


class ProductSpecificationInput(CatalogEntityInput):
    brand = serializers.CharField(required=False, allow_blank=True, max_length=100)
    productNumber = serializers.CharField(required=False, allow_blank=True, max_length=50, source="product_number")
    isBundle = serializers.BooleanField(required=False, source="is_bundle")
    productSpecCharacteristic = CharacteristicInputSerializer(many=True, required=False, source="characteristics")


class MoneyInput(serializers.Serializer):
    unit = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, help_text="EUR when a new price leaves it out; a patch keeps the price's."
    )
    value = serializers.DecimalField(max_digits=14, decimal_places=4)


class QuantityInput(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, default=Decimal(1))
    units = serializers.CharField(max_length=20)


class TaxInput(serializers.Serializer):
    taxCategory = serializers.CharField(required=False, allow_blank=True, max_length=30, default="VAT")
    taxRate = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=Decimal(0), max_value=Decimal(100))


class TierInputSerializer(serializers.Serializer):
    lowerLimit = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=Decimal(0))
    upperLimit = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True)
    unitPrice = MoneyInput()


class PricingLogicInput(serializers.Serializer):
    """Overlay's tiered-pricing algorithm (``@type`` TieredPricing), TMF's extension point for price logic."""

    name = serializers.ChoiceField(choices=["graduated", "volume"])
    includedUnits = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, min_value=Decimal(0))
    tier = TierInputSerializer(many=True)


class CharValueUseInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    productSpecCharacteristicValue = CharacteristicValueInput(many=True, required=False)


class ProductOfferingPriceInput(CatalogEntityInput):
    priceType = serializers.ChoiceField(
        choices=ProductOfferingPrice.PriceType.values, required=False, source="price_type"
    )
    price = MoneyInput(required=False, allow_null=True)
    percentage = serializers.DecimalField(
        max_digits=7, decimal_places=4, required=False, allow_null=True, min_value=Decimal(0), max_value=Decimal(100)
    )
    recurringChargePeriodType = serializers.ChoiceField(
        choices=["day", "week", "month", "year"], required=False, source="recurring_period"
    )
    recurringChargePeriodLength = serializers.IntegerField(
        min_value=1, max_value=365, required=False, source="recurring_period_length"
    )
    unitOfMeasure = QuantityInput(required=False, allow_null=True)
    tax = TaxInput(many=True, required=False)
    pricingLogicAlgorithm = PricingLogicInput(many=True, required=False)
    prodSpecCharValueUse = CharValueUseInput(many=True, required=False)

    def validate(self, attrs):
        if not self.context.get("patch"):
            attrs.setdefault("price_type", ProductOfferingPrice.PriceType.ONE_TIME)
        if "price" in attrs:
            money = attrs.pop("price")
            attrs["amount"] = money["value"] if money else None
            if money:
                instance = self.context.get("instance")
                attrs["currency"] = money.get("unit") or (instance.currency if instance else "EUR")
        if "unitOfMeasure" in attrs:
            quantity = attrs.pop("unitOfMeasure")
            attrs["unit_of_measure"] = quantity["units"] if quantity else ""
        if "tax" in attrs:
            taxes = attrs.pop("tax")
            if len(taxes) > 1:
                raise serializers.ValidationError({"tax": "One tax item per price is supported."})
            attrs["tax_category"] = taxes[0]["taxCategory"] if taxes else ""
            attrs["tax_rate"] = taxes[0]["taxRate"] if taxes else Decimal(0)
        if "pricingLogicAlgorithm" in attrs:
            algorithms = attrs.pop("pricingLogicAlgorithm")
            if len(algorithms) > 1:
                raise serializers.ValidationError({"pricingLogicAlgorithm": "One tiered algorithm per price."})
            logic = algorithms[0] if algorithms else None
            attrs["tiering"] = logic["name"] if logic else ""
            attrs["included_units"] = logic.get("includedUnits", Decimal(0)) if logic else Decimal(0)
            attrs["tiers"] = [
                TierInput(t["lowerLimit"], t.get("upperLimit"), t["unitPrice"]["value"])
                for t in (logic or {}).get("tier", [])
            ]
        if "prodSpecCharValueUse" in attrs:
            uses = attrs.pop("prodSpecCharValueUse")
            if len(uses) > 1 or any(len(u.get("productSpecCharacteristicValue", [])) != 1 for u in uses):
                raise serializers.ValidationError(
                    {"prodSpecCharValueUse": "A price can depend on one characteristic value."}
                )
            if uses and "value" not in uses[0]["productSpecCharacteristicValue"][0]:
                raise serializers.ValidationError(
                    {"prodSpecCharValueUse": "name the characteristic value the price depends on."}
                )
            attrs["char_name"] = uses[0]["name"] if uses else ""
            attrs["char_value"] = uses[0]["productSpecCharacteristicValue"][0]["value"] if uses else ""
        if attrs.get("price_type") == ProductOfferingPrice.PriceType.DISCOUNT:
            attrs.setdefault("applies_to", "recurring")
        return attrs


class CategoryInput(CatalogEntityInput):
    parentId = serializers.CharField(required=False, allow_null=True, allow_blank=True, source="parent_id")
    isRoot = serializers.BooleanField(required=False, source="is_root")


# --- pricing API (Overlay extension) -------------------------------------------------
class QuoteItemInput(serializers.Serializer):
    productOffering = RefSerializer()
    quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    characteristic = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    usage = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=4, min_value=Decimal(0)),
        required=False,
        default=dict,
    )
    bundledProductOffering = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), required=False, allow_null=True, default=None
    )


class QuoteInput(serializers.Serializer):
    item = QuoteItemInput(many=True, allow_empty=False, max_length=200)
    segment = serializers.SlugField(required=False, allow_blank=True)
    channel = serializers.SlugField(required=False, help_text="Catalog managers only: price as this channel.")
    date = serializers.DateTimeField(required=False)


class EstimateInput(serializers.Serializer):
    productOffering = RefSerializer()
    usage = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=4, min_value=Decimal(0)), allow_empty=False
    )
    segment = serializers.SlugField(required=False, allow_blank=True)
