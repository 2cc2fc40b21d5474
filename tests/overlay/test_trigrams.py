"""The embedded mode's trigram similarity scores names exactly as pg_trgm does (checked against it)."""

import pytest
from django.db import connection

from overlay.trigrams import similarity

PAIRS = [
    ("daan jansen", "daan jansn"),
    ("koen bakker", "koen bakkr"),
    ("koen visser", "koen"),
    ("josé müller", "jose muller"),
    ("anne-marie o'brien", "annemarie obrien"),
    ("van der berg", "berg"),
    ("aa", "aaa"),
    ("", "daan"),
    ("12 34", "1234"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("a,b", PAIRS)
def test_scores_match_pg_trgm(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        (expected,) = cursor.fetchone()
    assert similarity(a, b) == pytest.approx(expected, abs=1e-6)
