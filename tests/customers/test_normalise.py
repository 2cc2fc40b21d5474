import pytest

from customers.normalise import normalise_email, normalise_phone, normalise_postcode


@pytest.mark.parametrize(
    "written",
    ["06 1234 5678", "+31 6 1234 5678", "0031612345678", "+31612345678", "06-12345678", "(06) 1234 5678", "+31 (0)6"],
)
def test_phone_notations_become_e164(written):
    expected = "" if written == "+31 (0)6" else "+31612345678"
    assert normalise_phone(written) == expected


@pytest.mark.parametrize("value", ["", None, "abc", "12", "+1234567890123456"])
def test_non_numbers_are_dropped(value):
    assert normalise_phone(value) == ""


def test_email_and_postcode():
    assert normalise_email("  Koen.Bakker@Example.NET ") == "koen.bakker@example.net"
    assert normalise_email("not an email") == ""
    assert normalise_postcode("1011 ab") == "1011AB"
