import pytest

from overlay.api.filters import split_values


@pytest.mark.parametrize(
    "raw,values",
    [
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        ('"a,b"', ["a,b"]),
        ("'a,b'", ["a,b"]),
        ('x, "a,b" ,y', ["x", "a,b", "y"]),
        ('Plan small,"Plan, large"', ["Plan small", "Plan, large"]),
        ("O'Brien", ["O'Brien"]),
        ("", [""]),
    ],
)
def test_split_values(raw, values):
    assert split_values(raw) == values
