"""TM Forum's v4 conformance kits (CTKs), replayed in the suite: their request sequences and their assertions.

Every kit works the same way on each resource (``Kit``): it creates some (N1), lists them and reads each back,
asks for each attribute with ``fields=`` and filters by the value it was given back (N2), may patch and delete,
and expects a 404 for an unknown id (E1). Every instance a response holds must carry the kit's mandatory
attributes (strings and arrays as the kit types them), and the response text must contain each string it
holds. The kits run against ``make run`` with Node (``scripts/run_ctk.py``); these replays keep them passing
in CI without it. They assert at least what the kits assert: where a kit sends a request and checks nothing
(most ``fields=`` requests), the replay still expects a 200.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Kit:
    """One resource as a kit tests it."""

    path: str  # e.g. "/tmf-api/party/v4/individual"
    mandatory: tuple[str, ...]
    strings: tuple[str, ...] = ("href", "id")  # typed as strings, and their values found in the response text
    arrays: tuple[str, ...] = ()  # typed as arrays
    selected: tuple[str, ...] = ()  # asked with fields=
    filtered: tuple[str, ...] = ()  # filtered by, with the remembered instance's value
    unknown_id: str = "55a2163b-489e-4138-93e9-8becb24272f2"
    # What else an instance must carry, by what it is (a TMF620 offering: its specification unless a bundle).
    also: Callable[[dict], Sequence[str]] = field(default=lambda instance: ())


def check_instance(kit: Kit, instance: dict, text: str) -> None:
    """The kit's per-instance assertions."""
    missing = {*kit.mandatory, *kit.also(instance)} - set(instance)
    assert not missing, f"{kit.path}: {instance.get('id')} lacks {sorted(missing)}"
    for name in kit.strings:
        assert isinstance(instance[name], str) and instance[name] in text, (kit.path, name, instance[name])
    for name in kit.arrays:
        assert isinstance(instance[name], list), (kit.path, name, instance[name])


def check_listing(kit: Kit, response) -> list[dict]:
    """A 200 whose instances (a list, or one object) all pass ``check_instance``; the instances."""
    assert response.status_code == 200, (response.status_code, response.content[:300])
    body, text = response.json(), response.content.decode()
    instances = body if isinstance(body, list) else [body]
    for instance in instances:
        check_instance(kit, instance, text)
    return instances


def create(kit: Kit, client, payload: dict) -> dict:
    """N1's POST: a 201 with one object (not an array) that passes the instance checks."""
    response = client.post(kit.path, json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, (kit.path, response.status_code, response.content[:500])
    assert not isinstance(response.json(), list)
    check_instance(kit, response.json(), response.content.decode())
    return response.json()


def replay(kit: Kit, client, remembered: Sequence[dict]) -> None:
    """N1's reads, N2 and E1, for the instances the kit remembered (those it created, or the first listed)."""
    listed = check_listing(kit, client.get(kit.path))
    for instance in remembered:
        if len(listed) < 100:  # the kit reads the first page (the default limit): what it made is there
            assert instance["id"] in {i["id"] for i in listed}, (kit.path, instance["id"])
        (found,) = check_listing(kit, client.get(f"{kit.path}/{instance['id']}"))
        assert found["id"] == instance["id"]
    for name in kit.selected:
        selected = client.get(kit.path, {"fields": name})
        assert selected.status_code == 200, (kit.path, name, selected.content[:300])
        assert all(set(i) == {name} for i in selected.json()), (kit.path, name)
    for name in kit.filtered:
        for instance in remembered:
            found = check_listing(kit, client.get(kit.path, {name: instance[name]}))
            assert instance["id"] in {i["id"] for i in found}, (kit.path, name, instance[name])
    unknown = client.get(f"{kit.path}/{kit.unknown_id}")
    assert unknown.status_code == 404, (kit.path, unknown.status_code)
