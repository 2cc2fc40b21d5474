"""TMF630 attribute filtering on top of django-filter.

A filterset declares ``tmf_attributes``: the query name (camelCase, dotted
for sub-attributes such as ``relatedParty.id``), the ORM path and the value
kind. From it come the filters for equality (comma-separated values mean OR,
double-quoted values are taken literally) and, for ordered kinds, the
operators ``.gt .gte .lt .lte`` (also written ``attr>=value``/``attr<=value``).
Any other query parameter is ignored, as TMF asks.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import django_filters
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import ValidationError

RESERVED = frozenset({"fields", "offset", "limit", "sort", "depth", "expand"})
OPERATORS = {"eq": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "ne": "ne"}
ORDERED_KINDS = frozenset({"datetime", "decimal", "integer"})
# Numbers compared with stored amounts: finite, and within what a numeric column can hold.
MAX_DECIMAL_EXPONENT = 100


def split_values(raw: str) -> list[str]:
    """``a,b`` is two values; ``"a,b"`` is one (TMF630 quoting); quotes may be mixed with bare values."""
    values, current, quote = [], [], None
    for char in raw:
        if quote:
            if char == quote:
                quote = None
            else:
                current.append(char)
        elif char in "\"'" and not "".join(current).strip():
            quote = char
            current = []
        elif char == ",":
            values.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    values.append("".join(current).strip())
    return values


def cast(kind: str, name: str, raw: str):
    if kind == "text":
        return raw
    if kind == "boolean":
        lowered = raw.lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0"}:
            return False
    elif kind == "integer":
        try:
            return int(raw)
        except ValueError:
            pass
    elif kind == "decimal":
        try:
            value = Decimal(raw)
        except InvalidOperation:
            pass
        else:
            if value.is_finite() and abs(value.adjusted()) <= MAX_DECIMAL_EXPONENT:
                return value
    elif kind == "datetime":
        value = parse_timestamp(raw)
        if value is not None:
            return value
    raise ValidationError({name: f"'{raw[:40]}' is not a valid {kind} value."})


def parse_timestamp(raw: str) -> dt.datetime | None:
    """A date or date-time as written in a query (UTC unless it says otherwise); None if it is no real one."""
    try:
        value = parse_datetime(raw.replace(" ", "+"))
        if value is None and parse_date(raw):
            value = dt.datetime.combine(parse_date(raw), dt.time.min)
    except ValueError:  # well-formed but impossible: 2024-02-30, month 13, year 0, offset +25:00
        return None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def precision(raw: str) -> dt.timedelta:
    """The resolution a timestamp was written with: a day, a second, or its fraction of a second."""
    if "T" not in raw and " " not in raw.strip():
        return dt.timedelta(days=1)
    fraction = re.search(r"\.(\d+)", raw)
    return (
        dt.timedelta(microseconds=10 ** (6 - min(len(fraction.group(1)), 6))) if fraction else dt.timedelta(seconds=1)
    )


class TMFAttributeFilter(django_filters.Filter):
    field_class = django_filters.fields.forms.CharField

    def __init__(self, *, field_name: str, kind: str, operator: str, query_name: str):
        super().__init__(field_name=field_name, lookup_expr="exact")
        self.kind = kind
        self.operator = operator
        self.query_name = query_name

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        raws = split_values(value)
        values = [cast(self.kind, self.query_name, raw) for raw in raws]
        if self.kind == "datetime" and self.operator in ("exact", "ne"):
            # Timestamps are rendered to the millisecond: equal means "within the precision written".
            condition = Q()
            for raw, start in zip(raws, values, strict=True):
                within = Q(**{f"{self.field_name}__gte": start})
                if start.replace(tzinfo=None) < dt.datetime.max - precision(raw):  # else: up to the end of time
                    within &= Q(**{f"{self.field_name}__lt": start + precision(raw)})
                condition |= within
            qs = qs.filter(condition if self.operator == "exact" else ~condition)
            return qs.distinct() if "__" in self.field_name else qs
        if self.operator == "exact":
            condition = (
                Q(**{f"{self.field_name}__in": values}) if len(values) > 1 else Q(**{self.field_name: values[0]})
            )
        elif self.operator == "ne":
            condition = ~Q(**{f"{self.field_name}__in": values})
        else:
            if len(values) != 1:
                raise ValidationError({self.query_name: "Comparison operators take one value."})
            condition = Q(**{f"{self.field_name}__{self.operator}": values[0]})
        qs = qs.filter(condition)
        # Filters across a to-many relation can repeat rows.
        return qs.distinct() if "__" in self.field_name else qs


class TMFFilterSet(django_filters.FilterSet):
    tmf_attributes: dict[str, tuple[str, str]] = {}

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for query_name, (path, kind) in cls.tmf_attributes.items():
            filters[query_name] = TMFAttributeFilter(
                field_name=path, kind=kind, operator="exact", query_name=query_name
            )
            operators = OPERATORS if kind in ORDERED_KINDS else {"eq": "exact", "ne": "ne"}
            for suffix, lookup in operators.items():
                filters[f"{query_name}.{suffix}"] = TMFAttributeFilter(
                    field_name=path, kind=kind, operator=lookup, query_name=query_name
                )
        return filters

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(normalise_query(data), *args, **kwargs)

    def filter_queryset(self, queryset):
        # Values are validated in each filter; the form only carries raw strings.
        for name, value in self.form.cleaned_data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset


def normalise_query(data):
    """Map ``attr>=v`` / ``attr<=v`` spellings to ``attr.gte`` / ``attr.lte``; drop reserved names."""
    if data is None:
        return None
    normalised = {}
    for key in data.keys():
        if key in RESERVED:
            continue
        value = data.get(key)
        if key.endswith(">"):
            key = key[:-1] + ".gte"
        elif key.endswith("<"):
            key = key[:-1] + ".lte"
        normalised[key] = value
    return normalised
