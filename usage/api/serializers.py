"""TMF677 queryUsageConsumption input, parsed into the domain's ``ConsumptionAsk``."""

from datetime import UTC, datetime, timedelta

from rest_framework import serializers

from overlay.api.serializers import RefSerializer, TimePeriodSerializer
from usage.consumption import MAX_PRODUCTS, ConsumptionAsk

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LONGEST = timedelta(days=731)  # two years of billing periods at most in one query


class PartyInput(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    role = serializers.CharField(max_length=50, required=False)
    name = serializers.CharField(max_length=200, required=False)


class SearchCriteriaInput(serializers.Serializer):
    """TMF677's ``searchCriteria`` (a UsageConsumption): the products, or their holder, and the period."""

    product = RefSerializer(many=True, required=False, max_length=MAX_PRODUCTS, help_text="Products (TMF637 ids).")
    relatedParty = PartyInput(many=True, required=False, max_length=5, help_text="The customer (role customer).")
    validPeriod = TimePeriodSerializer(
        required=False,
        help_text="The billing periods holding startDateTime (default: now) up to endDateTime (default: the start's).",
    )


class QueryUsageConsumptionInput(serializers.Serializer):
    searchCriteria = SearchCriteriaInput()
    relatedParty = PartyInput(many=True, required=False, max_length=5)
    queryUsageConsumptionDate = serializers.DateTimeField(required=False, help_text="Ignored: the time it is asked.")
    partyAccount = serializers.ListField(
        child=serializers.DictField(), required=False, max_length=5, help_text="Not supported: name the products."
    )

    def validate_partyAccount(self, accounts):
        if accounts:
            raise serializers.ValidationError("is not supported: name the products (searchCriteria.product).")
        return accounts

    def validate(self, attrs):
        criteria = attrs["searchCriteria"]
        parties = [*attrs.get("relatedParty", []), *criteria.get("relatedParty", [])]
        customers = {p["id"] for p in parties if (p.get("role") or "customer").lower() == "customer"}
        if len(customers) > 1:
            raise serializers.ValidationError({"relatedParty": "name one customer."})
        products = tuple(dict.fromkeys(ref["id"] for ref in criteria.get("product", [])))
        if not products and not customers:
            raise serializers.ValidationError(
                {"searchCriteria": "name the products (product) or their customer (relatedParty)."}
            )
        period = criteria.get("validPeriod") or {}
        start, end = period.get("start"), period.get("end")
        for moment in (start, end):
            if moment is not None and moment < EARLIEST:
                raise serializers.ValidationError({"searchCriteria.validPeriod": "starts before 2000."})
        if start is None and end is not None:
            raise serializers.ValidationError({"searchCriteria.validPeriod": "an end needs a startDateTime."})
        if start is not None and end is not None:
            if end < start:
                raise serializers.ValidationError({"searchCriteria.validPeriod": "ends before it starts."})
            if end - start > LONGEST:
                raise serializers.ValidationError({"searchCriteria.validPeriod": "spans more than two years."})
        return ConsumptionAsk(product_ids=products, customer_id=next(iter(customers), None), start=start, end=end)
