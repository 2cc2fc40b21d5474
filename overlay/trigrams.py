"""pg_trgm's trigram similarity, for the embedded (SQLite) mode: fuzzy name search answers there as it
does on PostgreSQL (the same trigrams, the same score, the same 0.3 threshold), by a full scan instead
of a GiST index - fine for a demo's thousands of customers, which is what SQLite is here for.

pg_trgm's rules: lower-case; words are runs of letters and digits; each word is padded with two
blanks before and one after; a string's trigrams are the set of its words' 3-character windows;
similarity is shared trigrams over all trigrams (0 when there are none).
"""

import re
from functools import lru_cache

from django.db.backends.signals import connection_created

THRESHOLD = 0.3  # pg_trgm.similarity_threshold's default
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)
def trigrams(text: str) -> frozenset[str]:
    grams = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: str | None, b: str | None) -> float:
    left, right = trigrams(a or ""), trigrams(b or "")
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def _install(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("trigram_similarity", 2, similarity, deterministic=True)


def install() -> None:
    """Every new SQLite connection gets ``trigram_similarity(a, b)`` (called from the kernel's app config)."""
    connection_created.connect(_install, dispatch_uid="overlay.trigrams")
