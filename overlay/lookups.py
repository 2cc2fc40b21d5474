"""``field__any=[...]``: membership in a long list, sent as one array on PostgreSQL.

``__in`` writes one placeholder per value; with thousands of values (a sync page)
building and parsing that statement cost more than running it. On PostgreSQL this
lookup sends ``field = ANY(%s)`` with the list as a single array parameter; on
other databases it is ``__in``.
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
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


def register() -> None:
    CharField.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
