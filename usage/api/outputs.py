"""TMF635 Usage and TMF677 QueryUsageConsumption output shapes, for the OpenAPI schema only.

``representations.py`` builds the bodies; these say what they hold, in the TMF specifications' names.
"""

from rest_framework import serializers

from catalog.api.outputs import Quantity  # TMF's Quantity: one shape for every API
from overlay.api.outputs import Money, Ref, TimePeriod, number, one_of, shape, text, timestamp

RelatedParty = shape("UsageRelatedParty", {**Ref._declared_fields, "role": text(False)})
UsageCharacteristic = shape(
    "UsageCharacteristic",
    {
        "name": text(),
        "valueType": text(),  # string, number, boolean or object
        "value": serializers.JSONField(),
    },
)
RatedProductUsage = shape(
    "RatedProductUsage",
    {
        "isBilled": serializers.BooleanField(help_text="Always false: billing stays in the back office."),
        "ratingAmountType": text(False),
        "taxExcludedRatingAmount": Money(required=False),
        "taxIncludedRatingAmount": Money(required=False),
        "taxRate": number(False),
        "usageRatingTag": one_of("usage", "included usage", "non included usage", required=False),
        "offerTariffType": one_of("flat", "graduated", "volume", required=False),
        "productRef": Ref(),
        "@type": text(False),
    },
)
UsageOutput = shape(
    "Usage",
    {
        "id": text(),
        "href": text(),
        "description": text(),
        "usageDate": timestamp(),
        "usageType": serializers.CharField(help_text="The usage metric's code."),
        "status": one_of("received", "rated"),
        "usageCharacteristic": UsageCharacteristic(many=True),
        "relatedParty": RelatedParty(many=True),
        "ratedProductUsage": RatedProductUsage(many=True),
        "@type": text(),
    },
)

ConsumptionSummary = shape(
    "ConsumptionSummary",
    {
        "counterType": one_of(
            "used",
            "outOfBucket",
            "projected",
            "amount",
            "amountTaxIncluded",
            "projectedAmount",
            "serviceCredit",
        ),
        "level": text(),
        "value": Quantity(),
        "valueName": text(),
        "consumptionPeriod": TimePeriod(),
        "@type": text(),
    },
)
Bucket = shape(
    "BucketRefOrValue",
    {
        "id": text(),
        "name": text(),
        "description": text(),
        "usageType": text(),
        "status": one_of("active", "expired"),
        "isShared": serializers.BooleanField(),
        "validFor": TimePeriod(),
        "remainingValue": Quantity(required=False),
        "remainingValueName": text(False),
        "bucketCounter": ConsumptionSummary(many=True),
        "@type": text(),
    },
)
UsageConsumption = shape(
    "UsageConsumption",
    {
        "name": text(),
        "description": text(),
        "state": one_of("done"),
        "creationDate": timestamp(),
        "validPeriod": TimePeriod(),
        "product": Ref(many=True),
        "relatedParty": RelatedParty(many=True),
        "bucketRefOrValue": Bucket(many=True),
        "@type": text(),
    },
)
SearchCriteria = shape(
    "UsageConsumptionSearchCriteria",
    {
        "product": Ref(many=True, required=False),
        "relatedParty": RelatedParty(many=True, required=False),
        "validPeriod": TimePeriod(),
        "@type": text(),
    },
)
QueryUsageConsumptionOutput = shape(
    "QueryUsageConsumption",
    {
        "id": text(),
        "href": text(),
        "queryUsageConsumptionDate": timestamp(),
        "relatedParty": RelatedParty(many=True, required=False),
        "searchCriteria": SearchCriteria(),
        "usageConsumption": UsageConsumption(many=True),
        "@type": text(),
    },
)
