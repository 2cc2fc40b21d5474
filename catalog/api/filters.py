from catalog.models import Category, ProductOffering, ProductOfferingPrice, ProductSpecification
from overlay.api.filters import TMFFilterSet

COMMON = {
    "id": ("id", "text"),
    "name": ("name", "text"),
    "description": ("description", "text"),
    "version": ("version", "text"),
    "lifecycleStatus": ("lifecycle_status", "text"),
    "lastUpdate": ("last_update", "datetime"),
    "validFor.startDateTime": ("valid_from", "datetime"),
    "validFor.endDateTime": ("valid_to", "datetime"),
}


class ProductOfferingFilterSet(TMFFilterSet):
    tmf_attributes = {
        **COMMON,
        "isBundle": ("is_bundle", "boolean"),
        "isSellable": ("is_sellable", "boolean"),
        "statusReason": ("status_reason", "text"),
        "productSpecification.id": ("specification_id", "text"),
        "productSpecification.name": ("specification__name", "text"),
        "category.id": ("categories__id", "text"),
        "category.name": ("categories__name", "text"),
        "channel.id": ("channels__id", "text"),
        "channel.name": ("channels__name", "text"),
        "marketSegment.id": ("segments__id", "text"),
        "marketSegment.name": ("segments__name", "text"),
        "productOfferingPrice.id": ("prices__id", "text"),
        "bundledProductOffering.id": ("bundle_members__member_id", "text"),
    }

    class Meta:
        model = ProductOffering
        fields = []


class ProductSpecificationFilterSet(TMFFilterSet):
    tmf_attributes = {
        **COMMON,
        "brand": ("brand", "text"),
        "productNumber": ("product_number", "text"),
        "isBundle": ("is_bundle", "boolean"),
        "productSpecCharacteristic.name": ("characteristics__name", "text"),
    }

    class Meta:
        model = ProductSpecification
        fields = []


class ProductOfferingPriceFilterSet(TMFFilterSet):
    tmf_attributes = {
        **COMMON,
        "priceType": ("price_type", "text"),
        "price.value": ("amount", "decimal"),
        "price.unit": ("currency", "text"),
        "percentage": ("percentage", "decimal"),
        "recurringChargePeriodType": ("recurring_period", "text"),
        "unitOfMeasure.units": ("unit_of_measure", "text"),
    }

    class Meta:
        model = ProductOfferingPrice
        fields = []


class CategoryFilterSet(TMFFilterSet):
    tmf_attributes = {**COMMON, "parentId": ("parent_id", "text"), "isRoot": ("parent__isnull", "boolean")}

    class Meta:
        model = Category
        fields = []
