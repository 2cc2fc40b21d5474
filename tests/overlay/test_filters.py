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


def test_fields_select_first_level_attributes_and_dotted_sub_attributes():
    from overlay.api.representation import parse_fields, select_fields

    body = {
        "id": "1",
        "state": "done",
        "channel": {"id": "web", "name": "web"},
        "item": [{"id": "1", "state": "done", "result": "qualified"}, {"id": "2", "state": "done"}],
        "note": ["a"],
    }
    assert select_fields(body, parse_fields("id, \nstate")) == {"id": "1", "state": "done"}
    assert select_fields(body, parse_fields("id,item.state,item.result,channel.id,note.text")) == {
        "id": "1",
        "item": [{"state": "done", "result": "qualified"}, {"state": "done"}],
        "channel": {"id": "web"},
        "note": ["a"],
    }
    # A whole attribute named beside one of its parts is given whole.
    assert select_fields(body, parse_fields("channel,channel.id"))["channel"] == body["channel"]
    assert select_fields(body, parse_fields("unknown,state.x")) == {"state": "done"}
