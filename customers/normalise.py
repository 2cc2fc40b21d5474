"""Normalising identifiers so that the same person matches across systems (and in search)."""

import re

DEFAULT_COUNTRY_CODE = "31"  # numbers written nationally (06 ...) are Dutch in the demo estate
# Compiled once: every synced record is normalised, and re's cache look-up per call added up.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
WHITESPACE = re.compile(r"\s")


def normalise_email(value: str | None) -> str:
    value = (value or "").strip().lower()
    return value if EMAIL.fullmatch(value) else ""


def normalise_phone(value: str | None, country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """Any common notation to E.164: '06 1234 5678', '+31 6 1234 5678', '0031612345678' -> '+31612345678'."""
    digits = PHONE_PUNCTUATION.sub("", value or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = country_code + digits[1:]
    return f"+{digits}" if digits.isdigit() and 8 <= len(digits) <= 15 else ""


def normalise_postcode(value: str | None) -> str:
    return WHITESPACE.sub("", value or "").upper()
