#!/usr/bin/env python
"""Run a TM Forum conformance kit (CTK) found in a directory against a running Overlay. Fetches nothing.

    .venv/bin/python scripts/run_ctk.py KIT_DIR --base-url http://127.0.0.1:8000 --token ovl_... \\
        [--node-modules DIR] [--results DIR]

KIT_DIR is an unpacked official v4 kit (its ``config.json`` and ``ctk/``). The kit is copied to a
temporary directory and run there as it is: only its ``config.json`` is written, with the server's
URL, the bearer token and the kit's own payloads, whose references to other objects are pointed at
objects that exist on this server (a specification, a customer and an offering it may order, a party
that is no customer yet), as the kit's README asks. The kit's tests are not touched.

The kit needs its Node packages (newman...): ``npm install`` in ``KIT_DIR/ctk`` once, or pass
``--node-modules`` naming a ``node_modules`` directory installed from the kit's ``package.json``.

The token is an API client's (``manage.py create_api_client ctk-637 --channel web --scope ...``)
with the scopes ``SCOPES`` names for the kit's API. Exit status 0 only when every assertion passed.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode, urlparse
from urllib.request import Request, urlopen

CATALOG = "/tmf-api/productCatalogManagement/v4/"
ORDERING = "/tmf-api/productOrderingManagement/v4/"
CUSTOMER = "/tmf-api/customerManagement/v4/"
PARTY = "/tmf-api/party/v4/"
INVENTORY = "/tmf-api/productInventory/v4/"
CART = "/tmf-api/shoppingCart/v4/"
QUALIFICATION = "/tmf-api/productOfferingQualification/v4/"

# What the kit's client needs, by the API the kit tests.
SCOPES = {
    CATALOG: "catalog:write",
    ORDERING: "orders:read orders:write customers:read",
    CUSTOMER: "customers:read customers:write",
    PARTY: "customers:read customers:write",
    INVENTORY: "customers:read",
    CART: "carts:read carts:write",
}


class Server:
    def __init__(self, base_url: str, token: str):
        self.base_url, self.token = base_url.rstrip("/"), token

    def call(self, method: str, path: str, body=None, **query):
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        request = Request(url, data=json.dumps(body).encode() if body is not None else None, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except HTTPError as error:
            raise SystemExit(f"{method} {url}: {error.code} {error.read()[:500]!r}") from error


# --- pointing a kit's payload references at objects that exist --------------------------------------
def catalog_payloads(server: Server, payloads: dict) -> None:
    """The offering the kit creates names a specification: one that exists."""
    specs = server.call("GET", CATALOG + "productSpecification", limit=1, fields="id,href,name")
    if not specs:
        raise SystemExit("the catalog has no product specification for the kit's offering to name")
    reference = payloads["ProductOffering"]["POST"]["payload"]["productSpecification"]
    reference.update({"id": specs[0]["id"], "href": specs[0]["href"], "name": specs[0]["name"]})


def _orderable_without_choices(server: Server, offering: dict) -> bool:
    spec = offering.get("productSpecification")
    if offering.get("isBundle") or not spec or not offering.get("productOfferingPrice"):
        return False
    detail = server.call("GET", CATALOG + f"productSpecification/{spec['id']}")
    return all(
        not c.get("minCardinality") or any(v.get("isDefault") for v in c.get("productSpecCharacteristicValue", []))
        for c in detail.get("productSpecCharacteristic", [])
    )


def ordering_payloads(server: Server, payloads: dict) -> None:
    """The order's party is a customer with a billing account (what it orders is billed there), its item an
    offering that customer may order here (qualified)."""
    listed = server.call("GET", CUSTOMER + "customer", status="active", limit=50, fields="id,account")
    customers = [c for c in listed if c.get("account")][:10]
    offerings = [
        o
        for o in server.call("GET", CATALOG + "productOffering", isBundle="false", limit=100)
        if _orderable_without_choices(server, o)
    ]
    for customer in customers:
        answer = server.call(
            "POST",
            QUALIFICATION + "productOfferingQualification",
            {
                "relatedParty": [{"id": customer["id"], "role": "customer", "@referredType": "Customer"}],
                "productOfferingQualificationItem": [
                    {"id": str(n), "productOffering": {"id": o["id"]}} for n, o in enumerate(offerings, 1)
                ],
            },
        )
        qualified = [
            item["productOffering"]["id"]
            for item in answer.get("productOfferingQualificationItem", [])
            if item.get("qualificationItemResult") == "qualified"
        ]
        if qualified:
            payload = payloads["ProductOrder"]["POST"]["payload"]
            payload["relatedParty"][0]["id"] = customer["id"]
            payload["productOrderItem"][0]["productOffering"] = {"id": qualified[0]}
            return
    raise SystemExit("found no customer who may order an offering without choosing options")


def customer_payloads(server: Server, payloads: dict) -> None:
    """The customer the kit creates engages a party that is no customer yet: a new organization."""
    payload = payloads["Customer"]["POST"]["payload"]
    party = server.call("POST", PARTY + "organization", {"tradingName": payload.get("name") or "CTK party"})
    payload["engagedParty"].update({"id": party["id"], "@referredType": "Organization"})


FILL = {CATALOG: catalog_payloads, ORDERING: ordering_payloads, CUSTOMER: customer_payloads}


# --- running the kit ----------------------------------------------------------------------------------
def node_modules_of(kit: Path, given: str | None) -> Path:
    found = Path(given) if given else kit / "ctk" / "node_modules"
    if not (found / "newman").is_dir():
        raise SystemExit(
            f"no Node packages at {found}: run `npm install` in {kit / 'ctk'} once (or pass --node-modules)"
        )
    return found.resolve()


def summary(results: dict) -> tuple[int, int, list[str]]:
    """(assertions passed, assertions in all, the failures as 'request: test: message')."""
    stats = results["run"]["stats"]["assertions"]
    failures = [
        f"{f.get('source', {}).get('name', '?')}: {f['error'].get('test', '')}: {f['error'].get('message', '')}"
        for f in results["run"].get("failures", [])
    ]
    return stats["total"] - stats["failed"], stats["total"], failures


def run(kit: Path, server: Server, node_modules: Path, results_dir: Path | None) -> int:
    config = json.loads((kit / "config.json").read_text())
    api = urlparse(config["url"].strip()).path
    if not api.endswith("/"):
        api += "/"
    payloads = config.get("payloads", {})
    if api in FILL:
        FILL[api](server, payloads)
    with tempfile.TemporaryDirectory(prefix="ctk-") as work:
        copy = Path(work) / "kit"
        shutil.copytree(kit, copy, ignore=shutil.ignore_patterns("node_modules", ".git"))
        (copy / "ctk" / "node_modules").symlink_to(node_modules, target_is_directory=True)
        config.update(
            url=server.base_url + api,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "Authorization": f"Bearer {server.token}",
            },
            payloads=payloads,
        )
        (copy / "config.json").write_text(json.dumps(config, indent=2))
        started = time.monotonic()
        subprocess.run(["node", "index.js"], cwd=copy / "ctk", timeout=1800, stdout=subprocess.DEVNULL)
        report = copy / "jsonResults.json"
        if not report.exists():
            print(f"{kit.name}: the kit wrote no results (see its output above)", file=sys.stderr)
            return 2
        if results_dir is not None:
            results_dir.mkdir(parents=True, exist_ok=True)
            for name in ("jsonResults.json", "htmlResults.html"):
                if (copy / name).exists():
                    shutil.copy(copy / name, results_dir / name)
            shown = {**config, "headers": {**config["headers"], "Authorization": "Bearer …"}}  # no token on disk
            (results_dir / "config.json").write_text(json.dumps(shown, indent=2))
        passed, total, failures = summary(json.loads(report.read_text()))
    for failure in dict.fromkeys(failures):
        print(f"  FAILED {failure}")
    print(f"{kit.name} ({api}): {passed}/{total} assertions passed in {time.monotonic() - started:.0f} s")
    return 0 if total and passed == total else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kit", type=Path, help="the kit's directory (with config.json and ctk/)")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where Overlay serves")
    parser.add_argument("--token", required=True, help="an API client's token with the kit's scopes")
    parser.add_argument("--node-modules", help="the kit's Node packages, if not in KIT/ctk/node_modules")
    parser.add_argument("--results", type=Path, help="keep the kit's results (json, html) and config here")
    args = parser.parse_args()
    kit = args.kit.resolve()
    if not (kit / "config.json").is_file() or not (kit / "ctk" / "index.js").is_file():
        parser.error(f"{kit} is no conformance kit (no config.json and ctk/index.js)")
    server = Server(args.base_url, args.token)
    return run(kit, server, node_modules_of(kit, args.node_modules), args.results)


if __name__ == "__main__":
    sys.exit(main())
