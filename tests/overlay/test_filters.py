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


@pytest.mark.parametrize(
    "raw,resolution",
    [
        ("2026-11-24", "1 day, 0:00:00"),
        ("2026-11-24T06:40:41Z", "0:00:01"),
        ("2026-11-24T06:40:41.1Z", "0:00:00.100000"),
        ("2026-11-24T06:40:41.117Z", "0:00:00.001000"),
        ("2026-11-24T06:40:41.117384+00:00", "0:00:00.000001"),
    ],
)
def test_timestamp_precision(raw, resolution):
    from overlay.api.filters import precision

    assert str(precision(raw)) == resolution
