"""Input building blocks shared by every TMF API: references, time periods, characteristic values."""

from rest_framework import serializers
from rest_framework.fields import empty


class RefSerializer(serializers.Serializer):
    """A TMF entity reference: only its id matters on input."""

    id = serializers.CharField(max_length=64)


class CharacteristicValueInput(serializers.Serializer):
    """A product characteristic chosen or held: a name and a plain value (kept as a string)."""

    name = serializers.CharField(max_length=100)
    value = serializers.JSONField()

    def validate_value(self, value):
        if isinstance(value, (dict, list)) or value is None:
            raise serializers.ValidationError("must be a string, number or boolean.")
        return str(value).lower() if isinstance(value, bool) else str(value)


class TimePeriodSerializer(serializers.Serializer):
    startDateTime = serializers.DateTimeField(required=False, allow_null=True, source="start")
    endDateTime = serializers.DateTimeField(required=False, allow_null=True, source="end")


class TMFInputSerializer(serializers.Serializer):
    """Flattens ``validFor`` into ``valid_from``/``valid_to`` and ref lists into id lists."""

    ref_lists: dict[str, str] = {}  # input attribute -> domain key

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        period = values.pop("valid_for", None)
        if "validFor" in data:
            period = period or {}
            values["valid_from"] = period.get("start")
            values["valid_to"] = period.get("end")
        for attribute, key in self.ref_lists.items():
            if attribute in values:
                values[key] = [ref["id"] for ref in values.pop(attribute) or []]
        return values


def patch_serializer(serializer_class, data, context: dict) -> serializers.Serializer:
    """The serializer of a merge patch: absent attributes stay as they are, given ones are validated whole.

    DRF's ``partial=True`` reaches nested serializers too (their required keys and defaults are
    skipped), so half an object would reach the services; instead only the top-level attributes
    are made optional. The serializer knows it validates a patch by ``context["patch"]``.
    """
    serializer = serializer_class(data=data, context={**context, "patch": True})
    for field in serializer.fields.values():
        field.required = False
        field.default = empty
    return serializer
