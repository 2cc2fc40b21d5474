"""scripts/run_ctk.py: what it points a kit's payloads at on a live server, what it reports, what it refuses.

Running a kit itself needs Node and the kit (not in CI); the replays in ``test_conformance_flow.py`` keep
each kit's sequence in the suite.
"""

import importlib.util
from pathlib import Path

import pytest

from overlay.services import api_client_create

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("run_ctk", ROOT / "scripts" / "run_ctk.py")
run_ctk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_ctk)

pytestmark = pytest.mark.django_db(transaction=True)


def server(live_server, *scopes: str):
    token = api_client_create(name=f"ctk-{len(scopes)}-{scopes[0]}", channel="web", scopes=list(scopes)).token
    return run_ctk.Server(live_server.url, token)


def test_the_offering_the_catalog_kit_creates_names_a_specification_that_exists(live_server, hybrid):
    payloads = {"ProductOffering": {"POST": {"payload": {"name": "x", "productSpecification": {"id": "9881"}}}}}
    run_ctk.catalog_payloads(server(live_server, "catalog:write"), payloads)
    reference = payloads["ProductOffering"]["POST"]["payload"]["productSpecification"]
    assert reference["id"] != "9881" and reference["href"].endswith(f"/productSpecification/{reference['id']}")


def test_the_ordering_kit_orders_for_a_billed_customer_what_they_may_order(live_server, hybrid, customer, bob):
    from tests.factories.customers import BillingAccountFactory

    BillingAccountFactory(customer=bob)
    payloads = {
        "ProductOrder": {
            "POST": {"payload": {"productOrderItem": [{"id": "123", "action": "add"}], "relatedParty": [{"id": "x"}]}}
        }
    }
    run_ctk.ordering_payloads(server(live_server, "orders:read", "orders:write", "customers:read"), payloads)
    payload = payloads["ProductOrder"]["POST"]["payload"]
    assert payload["relatedParty"][0]["id"] == bob.pk  # the one with an account
    chosen = payload["productOrderItem"][0]["productOffering"]["id"]
    assert chosen in {hybrid.phone.pk, hybrid.plan.pk, hybrid.fibre.pk, hybrid.streaming.pk}  # no bundle


def test_the_customer_kit_engages_a_party_that_is_no_customer_yet(live_server):
    from customers.models import Customer

    payloads = {"Customer": {"POST": {"payload": {"name": "Moon Football Club", "engagedParty": {"id": "500"}}}}}
    run_ctk.customer_payloads(server(live_server, "customers:read", "customers:write"), payloads)
    party = Customer.objects.get(pk=payloads["Customer"]["POST"]["payload"]["engagedParty"]["id"])
    assert (party.organization_name, party.status) == ("Moon Football Club", "prospect")


def test_the_summary_counts_assertions_and_names_the_failures():
    results = {
        "run": {
            "stats": {"assertions": {"total": 10, "failed": 2}},
            "failures": [
                {
                    "source": {"name": "/Product"},
                    "error": {"test": "Instance has all mandatory attributes", "message": "m"},
                }
            ]
            * 2,
        }
    }
    passed, total, failures = run_ctk.summary(results)
    assert (passed, total) == (8, 10) and failures[0] == "/Product: Instance has all mandatory attributes: m"


def test_a_kit_without_its_node_packages_says_how_to_install_them(tmp_path):
    with pytest.raises(SystemExit, match="npm install"):
        run_ctk.node_modules_of(tmp_path, None)


def test_a_directory_that_is_no_kit_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["run_ctk.py", str(tmp_path), "--token", "t"])
    with pytest.raises(SystemExit):
        run_ctk.main()
    assert "is no conformance kit" in capsys.readouterr().err
