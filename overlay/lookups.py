"""``field__any=[...]``: membership in a long list, sent as one array on PostgreSQL.

``__in`` writes one placeholder per value; with thousands of values (a sync page)
building and parsing that statement cost more than running it. On PostgreSQL this
lookup sends ``field = ANY(%s)`` with the list as a single array parameter; on
other databases it is ``__in``. A list of text goes as one string that PostgreSQL
splits (``any_array``): quoting thousands of values one by one as an array literal
cost more Python time than the query took to run.
"""

from django.db.models import CharField, ForeignKey
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def get_prep_lookup(self):
        # Text values need no preparing; preparing thousands one by one cost more than the query.
        if isinstance(self.rhs, (list, tuple, set, frozenset)) and all(type(v) is str for v in self.rhs):
            return list(self.rhs)
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = getattr(self.lhs, "output_field", None)
        values = [
            v if type(v) is str or field is None else field.get_db_prep_value(v, connection)
            for v in self.rhs
            if v is not None
        ]
        sql, param = any_array(values)
        return f"{lhs} = ANY({sql})", [*lhs_params, param]


# Splits the values of a text list sent as one string: a control character no identifier holds.
SEPARATOR = "\x1f"


def any_array(values: list) -> tuple[str, object]:
    """SQL for an array parameter, and the parameter: text values joined in one string, split by
    PostgreSQL, unless one of them holds the separator (then the list as an array)."""
    if values and all(type(v) is str for v in values):
        joined = SEPARATOR.join(values)
        if joined.count(SEPARATOR) == len(values) - 1:
            return "string_to_array(%s, chr(31))", joined
    return "%s", values


def register() -> None:
    CharField.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
