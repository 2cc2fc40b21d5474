"""TMF620 output shapes, for the OpenAPI schema only: ``representations.py`` builds the bodies.

Money, rates, percentages and tier bounds are JSON numbers. ``tests/overlay/test_fuzz.py`` checks
real responses against these shapes.
"""

from rest_framework import serializers

from catalog.models import CharacteristicSpec, Lifecycle, ProductOfferingPrice
from overlay.api.outputs import Money, Ref, TimePeriod, number, shape, text

COMMON = {
    "id": text(),
    "href": text(),
    "name": text(),
    "description": text(False),
    "version": text(False),
    "lifecycleStatus": serializers.ChoiceField(choices=Lifecycle.values),
    "lastUpdate": serializers.DateTimeField(),
    "validFor": TimePeriod(required=False),
}

BundleOption = shape(
    "BundledProductOfferingOption",
    {
        "numberRelOfferLowerLimit": serializers.IntegerField(),
        "numberRelOfferUpperLimit": serializers.IntegerField(),
        "numberRelOfferDefault": serializers.IntegerField(),
    },
)
BundledOffering = shape(
    "BundledProductOffering",
    {
        **Ref._declared_fields,
        "lifecycleStatus": serializers.ChoiceField(choices=Lifecycle.values),
        "bundledProductOfferingOption": BundleOption(),
    },
)
ProductOfferingOutput = shape(
    "ProductOffering",
    {
        **COMMON,
        "@type": text(),
        "isBundle": serializers.BooleanField(),
        "isSellable": serializers.BooleanField(),
        "statusReason": text(False),
        "productSpecification": Ref(required=False),
        "category": Ref(many=True, required=False),
        "channel": Ref(many=True, required=False),
        "marketSegment": Ref(many=True, required=False),
        "productOfferingPrice": Ref(many=True, required=False),
        "bundledProductOffering": BundledOffering(many=True, required=False),
    },
)

CharacteristicValue = shape(
    "ProductSpecificationCharacteristicValue",
    {
        "value": text(False),
        "valueFrom": text(False),
        "valueTo": text(False),
        "unitOfMeasure": text(False),
        "isDefault": serializers.BooleanField(),
        "@type": text(),
    },
)
Characteristic = shape(
    "ProductSpecificationCharacteristic",
    {
        "name": text(),
        "description": text(False),
        "valueType": serializers.ChoiceField(choices=CharacteristicSpec.ValueType.values),
        "configurable": serializers.BooleanField(),
        "minCardinality": serializers.IntegerField(),
        "maxCardinality": serializers.IntegerField(),
        "regex": text(False),
        "productSpecCharacteristicValue": CharacteristicValue(many=True, required=False),
        "@type": text(),
    },
)
ProductSpecificationOutput = shape(
    "ProductSpecification",
    {
        **COMMON,
        "@type": text(),
        "brand": text(False),
        "productNumber": text(False),
        "isBundle": serializers.BooleanField(),
        "productSpecCharacteristic": Characteristic(many=True, required=False),
    },
)

Tier = shape("PriceTier", {"lowerLimit": number(), "upperLimit": number(False), "unitPrice": Money(required=False)})
PricingLogic = shape(
    "TieredPricing",
    {
        "name": serializers.ChoiceField(choices=["graduated", "volume"]),
        "description": text(),
        "includedUnits": number(False),
        "tier": Tier(many=True, required=False),
        "@type": text(),
    },
)
Tax = shape("TaxItem", {"taxCategory": text(), "taxRate": number(), "@type": text()})
Quantity = shape("Quantity", {"amount": number(), "units": text()})
CharValueUse = shape(
    "ProductSpecificationCharacteristicValueUse",
    {"name": text(), "productSpecCharacteristicValue": shape("CharValue", {"value": text()})(many=True)},
)
ProductOfferingPriceOutput = shape(
    "ProductOfferingPrice",
    {
        **COMMON,
        "@type": text(),
        "isBundle": serializers.BooleanField(),
        "priceType": serializers.ChoiceField(choices=ProductOfferingPrice.PriceType.values),
        "price": Money(required=False),
        "percentage": number(False),
        "recurringChargePeriodType": serializers.ChoiceField(choices=["day", "week", "month", "year"], required=False),
        "recurringChargePeriodLength": serializers.IntegerField(required=False),
        "unitOfMeasure": Quantity(required=False),
        "tax": Tax(many=True, required=False),
        "pricingLogicAlgorithm": PricingLogic(many=True, required=False),
        "prodSpecCharValueUse": CharValueUse(many=True, required=False),
    },
)

CategoryOutput = shape(
    "Category",
    {
        **COMMON,
        "@type": text(),
        "isRoot": serializers.BooleanField(),
        "parentId": text(False),
        "subCategory": Ref(many=True, required=False),
        "productOffering": Ref(many=True, required=False),
    },
)


# --- the pricing API (Overlay extension) ---------------------------------------------------
Charge = shape(
    "Charge",
    {
        "productOfferingPrice": Ref(),
        "priceType": serializers.ChoiceField(choices=ProductOfferingPrice.PriceType.values),
        "grossAmount": Money(),
        "dutyFreeAmount": Money(),
        "taxRate": number(),
        "taxAmount": Money(),
        "taxIncludedAmount": Money(),
    },
)
TotalPrice = shape(
    "QuoteTotalPrice",
    {
        "priceType": serializers.ChoiceField(choices=ProductOfferingPrice.PriceType.values),
        "recurringChargePeriod": text(False),
        "price": shape("QuotePrice", {"dutyFreeAmount": Money(), "taxIncludedAmount": Money(), "taxAmount": Money()})(),
    },
)
ItemQuote = shape(
    "ItemQuote",
    {
        "productOffering": Ref(),
        "quantity": serializers.IntegerField(),
        "characteristic": serializers.DictField(child=text(), required=False),
        "charge": Charge(many=True, required=False),
        "itemTotalPrice": TotalPrice(many=True, required=False),
    },
)
Quote = shape(
    "Quote",
    {"pricedAt": serializers.DateTimeField(), "item": ItemQuote(many=True), "totalPrice": TotalPrice(many=True)},
)
