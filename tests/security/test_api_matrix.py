"""The permission matrix of the API: every operation of the OpenAPI schema, for every kind of caller.

``matrix.EXPECTED`` says, per operation, what each caller (``world.CALLERS``) gets: ``ok`` (2xx) or the
refusal's status. The test sends every one of those requests to the running server over HTTP, fails on
any difference, on any operation the table or the cases miss, and on any refused request that changed
a single row (the database is digested before and after each one).

To see the whole observed table (for a new operation, or a deliberate change of rule), run with
``MATRIX_OBSERVED=<file>``: it is written there in the table's format.
"""

import os

import httpx
import pytest
from drf_spectacular.generators import SchemaGenerator

from overlay.services import KNOWN_SCOPES
from tests.security.cases import CASES
from tests.security.matrix import BASES, EXPECTED
from tests.security.matrix_format import render
from tests.security.world import CALLERS, SCOPES, build_world, database_digest

pytestmark = pytest.mark.django_db(transaction=True)
METHODS = ("get", "post", "patch", "put", "delete")


def schema_operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item if method in METHODS
    }


def outcome(status: int) -> str:
    return "ok" if 200 <= status < 300 else str(status)


def test_the_matrix_covers_every_operation_and_nothing_else():
    operations = schema_operations()
    assert sorted(operations - set(EXPECTED)) == [], "operations missing from the matrix"
    assert sorted(set(EXPECTED) - operations) == [], "the matrix lists operations the API does not have"
    assert sorted(set(EXPECTED) ^ set(CASES)) == [], "every operation needs its request in cases.py"
    for operation, row in EXPECTED.items():
        assert len(row.split()) == len(CALLERS), f"{operation}: one outcome per caller"
    # A new scope is a new kind of caller: a new column.
    assert set(SCOPES) == KNOWN_SCOPES, "every scope an application can hold needs its column"


def test_every_caller_gets_what_the_matrix_says_and_refusals_write_nothing(live_server):
    world = build_world(live_server.url)
    differences, observed = [], {}
    with httpx.Client(base_url=live_server.url, timeout=20) as http:
        for operation, row in EXPECTED.items():
            method, _ = operation.split(" ", 1)
            outcomes, request = [], None
            for caller, expected in zip(CALLERS, row.split(), strict=True):
                # A refused request changed nothing (checked below), so the next caller may send it again;
                # after a success the objects it acted on are spent: the next caller gets fresh ones.
                request = request or CASES[operation](world)
                headers, cookies = world.headers_for(caller, request.owner)
                if cookies:
                    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
                before = database_digest() if expected != "ok" else None
                response = http.request(
                    method,
                    request.path,
                    json=request.body,
                    params=request.params,
                    headers={**headers, **request.headers},
                )
                got = outcome(response.status_code)
                outcomes.append(got)
                if got == "ok" and method != "GET":
                    if request.after:
                        request.after(response)
                    request = None
                elif not request.reusable:
                    request = None
                if got != expected:
                    differences.append(
                        f"{operation} as {caller}: expected {expected}, got {got}: {response.text[:200]}"
                    )
                elif before is not None and database_digest() != before:
                    differences.append(f"{operation} as {caller}: refused ({got}) but wrote")
            observed[operation] = " ".join(outcomes)
    if path := os.environ.get("MATRIX_OBSERVED"):
        with open(path, "w") as out:
            out.write(render(observed, BASES))
    assert not differences, "\n".join(differences)
