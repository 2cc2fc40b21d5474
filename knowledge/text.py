"""How the knowledge search reads text: lower-case words of letters and digits, accents kept.

Articles store their title, summary and whole text normalised (``normalise``: the words joined by single
blanks, with a blank before and after), so a phrase or a word is found at word boundaries with a plain
``LIKE '% word%'`` on PostgreSQL and SQLite alike, and pg_trgm's index serves that ``LIKE``.
"""

import re

_WORD = re.compile(r"[^\W_]+")
# Words that say nothing about the trouble: a question in plain words still finds its answer.
STOP_WORDS = frozenset(
    "a an and are as at be but by can do does for from how i if in is it its me my of on or our so that the "
    "their there this to was we what when where which who why will with you your".split()
)
MAX_TERM = 64


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order (repeats kept)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) <= MAX_TERM]


def normalise(text: str) -> str:
    """``" word word "``: what the search's ``LIKE`` patterns compare with."""
    found = words(text)
    return f" {' '.join(found)} " if found else ""


def query_words(text: str) -> list[str]:
    """The words of a question worth looking for: no stop words, no repeats, in order."""
    seen: dict[str, None] = {}
    for word in words(text):
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)


def word_pattern(word: str) -> str:
    """A word's ``LIKE`` needle: short words whole (" no "), longer ones as a word's start (" return" finds
    "returning"), so "no" does not find "not" or "now"."""
    return f" {word} " if len(word) < 4 else f" {word}"


def paragraphs(body: str) -> list[tuple[str, list[str]]]:
    """The body as ("p", [text]) and ("ul", [items]) blocks, for templates that escape every string."""
    blocks: list[tuple[str, list[str]]] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append(("ul", [line[2:].strip() for line in lines]))
        else:
            blocks.append(("p", [" ".join(lines)]))
    return blocks
