"""Building blocks of output shapes: what a representation answers, described for the OpenAPI schema.

Representations build TMF bodies as dicts (``*/api/representations.py``); a resource's shape
(``output_serializer_class``) only documents them. Attributes always present are required,
optional ones (omitted when empty) are not; decimals are JSON numbers.
"""

from functools import cache

from rest_framework import serializers


def shape(name: str, fields: dict) -> type[serializers.Serializer]:
    """A serializer class named ``name`` in the schema, with these fields (``@type`` is no Python name)."""
    return type(name, (serializers.Serializer,), {**fields, "Meta": type("Meta", (), {"ref_name": name})})


def text(required: bool = True) -> serializers.CharField:
    return serializers.CharField(required=required)


def number(required: bool = True) -> serializers.FloatField:
    return serializers.FloatField(required=required)


def one_of(*values: str, required: bool = True) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=list(values), required=required)


def timestamp(required: bool = True) -> serializers.DateTimeField:
    return serializers.DateTimeField(required=required)


# A reference to another resource; every one has an id, most an href, a name and the type they name.
Ref = shape("Ref", {"id": text(), "href": text(False), "name": text(False), "@referredType": text(False)})
Money = shape("Money", {"unit": text(), "value": number()})
TimePeriod = shape("TimePeriod", {"startDateTime": timestamp(False), "endDateTime": timestamp(False)})


@cache
def resource(type_name: str) -> type[serializers.Serializer]:
    """A TMF resource described by what every one has; its other attributes are its TMF specification's."""
    return shape(type_name, {"id": text(), "href": text(), "@type": text()})
