#!/usr/bin/env python
"""Run TM Forum's TMF679 conformance kit (the R18 kit) against a running Overlay, e.g. `make run`.

    SECRET_KEY=$(cat var/secret_key) .venv/bin/python manage.py create_api_client ctk679 --channel web \\
        --scope carts:read --scope carts:write --scope customers:read --quiet      # once: prints the token
    CTK_TOKEN=<token> .venv/bin/python scripts/run_ctk679.py --url http://127.0.0.1:8000

The kit (github.com/tmforum-rand/CTK-TMF679-ProductOfferingQualification-R18.0) has no config.json:
its collection names sample objects (customers 14 and 24, offerings 7431 and 66, category 21,
channels 1 and 3) and sends no credentials. As the other kits' config.json allow, this script
points those references at existing objects, wherever the kit names them (request bodies and the
filters that look for them), and adds the bearer token; the requests and their tests are the kit's
own. Objects are found through the API with the same token, or given with the options below.

It needs git, Node and npm: the kit is cloned into var/ctk/ and newman 4 (the kit's runner)
installed there, once. The results are in var/ctk/tmf679-results.json. Exit status 0: all passed.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "ctk"
KIT_REPOSITORY = "https://github.com/tmforum-rand/CTK-TMF679-ProductOfferingQualification-R18.0"
COLLECTION = "ctk/CTK-TMF679-ProductOfferingQualification.postman_collection.json"
ENVIRONMENT = "ctk/TMForumR18.0.postman_environment.json"
BASE = "/tmf-api/productOfferingQualification/v4"
# The kit's sample references: where each appears, and the option that replaces it.
SAMPLES = {"customers": ("14", "24"), "offerings": ("7431", "66"), "category": ("21",), "channels": ("1", "3")}


def get(url: str, token: str, path: str, **query) -> list[dict]:
    request = Request(f"{url}{path}?{urlencode(query)}", headers={"Authorization": f"Bearer {token}"})
    with urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def pick(rows: list[dict], preferred: tuple[str, ...], count: int, what: str) -> list[str]:
    by_name = {row.get("name"): row["id"] for row in rows}
    chosen = [by_name[name] for name in preferred if name in by_name]
    chosen += [row["id"] for row in rows if row["id"] not in chosen]
    if len(chosen) < count:
        sys.exit(f"run_ctk679: Overlay has fewer than {count} {what} this token may see.")
    return chosen[:count]


def references(args, token: str) -> dict[str, str]:
    """The kit's sample id -> an existing object's id (or a channel's code)."""
    catalog = "/tmf-api/productCatalogManagement/v4"
    chosen = {
        "customers": args.customers.split(",")
        if args.customers
        else pick(
            get(args.url, token, "/tmf-api/customerManagement/v4/customer", limit=2, fields="id"), (), 2, "customers"
        ),
        "offerings": args.offerings.split(",")
        if args.offerings
        else pick(
            get(args.url, token, f"{catalog}/productOffering", limit=200, fields="id,name"),
            ("Fibre 1000 Mbps", "Mobile M 50 GB"),
            2,
            "offerings",
        ),
        "category": [args.category]
        if args.category
        else pick(
            get(args.url, token, f"{catalog}/category", limit=200, fields="id,name"), ("Broadband",), 1, "categories"
        ),
        "channels": args.channels.split(","),
    }
    return {sample: ours for key, samples in SAMPLES.items() for sample, ours in zip(samples, chosen[key], strict=True)}


def retarget(collection: dict, ours: dict[str, str], token: str) -> dict:
    """The kit's requests with its sample references replaced, and the bearer token on every request."""

    def swap(ref: dict | None) -> None:
        if isinstance(ref, dict) and ref.get("id") in ours:
            ref["id"] = ours[ref["id"]]

    def visit(items: list[dict]) -> None:
        for item in items:
            if "item" in item:
                visit(item["item"])
                continue
            request = item["request"]
            body = request.get("body") or {}
            if body.get("raw"):
                payload = json.loads(body["raw"])
                for party in payload.get("relatedParty") or []:
                    swap(party)
                for question in payload.get("productOfferingQualificationItem") or []:
                    swap(question.get("productOffering"))
                    swap(question.get("category"))
                swap(payload.get("channel"))
                body["raw"] = json.dumps(payload, indent=1)
            url = request["url"]
            for parameter in url.get("query") or []:
                if parameter["key"] in ("relatedParty.id", "channel.id") and parameter["value"].strip('"') in ours:
                    new = f'"{ours[parameter["value"].strip(chr(34))]}"'
                    url["raw"] = url["raw"].replace(
                        f"{parameter['key']}={parameter['value']}", f"{parameter['key']}={new}"
                    )
                    parameter["value"] = new

    visit(collection["item"])
    collection["auth"] = {"type": "bearer", "bearer": [{"key": "token", "value": token, "type": "string"}]}
    return collection


def prepare(kit: Path) -> Path:
    """The kit (cloned once) and newman (installed once), under var/ctk/."""
    if not (kit / COLLECTION).exists():
        subprocess.run(["git", "clone", "--depth", "1", KIT_REPOSITORY, str(kit)], check=True)
    newman = WORK / "node_modules" / ".bin" / "newman"
    if not newman.exists():
        # The kit's package.json also pins fs@0.0.1-security, which registries no longer serve: newman alone.
        subprocess.run(["npm", "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "newman@4"], check=True)
    return newman


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="Overlay's address (scheme, host, port).")
    parser.add_argument("--token", default=os.environ.get("CTK_TOKEN"), help="Bearer token (default: $CTK_TOKEN).")
    parser.add_argument("--kit", type=Path, default=WORK / "tmf679", help="The kit's checkout (cloned if absent).")
    parser.add_argument("--customers", help="Two customer ids for the kit's 14 and 24 (default: the first two).")
    parser.add_argument("--offerings", help="Two offering ids for the kit's 7431 and 66.")
    parser.add_argument("--category", help="A category id for the kit's 21 (default: Broadband).")
    parser.add_argument("--channels", default="web,mobile", help="Two channel codes for the kit's 1 and 3.")
    args = parser.parse_args()
    if not args.token:
        parser.error("give --token or set CTK_TOKEN (manage.py create_api_client prints one)")
    args.url = args.url.rstrip("/")
    WORK.mkdir(parents=True, exist_ok=True)
    newman = prepare(args.kit)
    ours = references(args, args.token)
    print("run_ctk679: the kit's samples are", ", ".join(f"{k} -> {v}" for k, v in ours.items()))
    collection = retarget(json.loads((args.kit / COLLECTION).read_text()), ours, args.token)
    environment = json.loads((args.kit / ENVIRONMENT).read_text())
    for value in environment["values"]:
        if value["key"] == "ProductOfferingQualificationAPI":
            value["value"] = args.url + BASE
    results = WORK / "tmf679-results.json"
    collection_file, environment_file = WORK / "tmf679-collection.json", WORK / "tmf679-environment.json"
    collection_file.write_text(json.dumps(collection))
    environment_file.write_text(json.dumps(environment))
    run = [str(newman), "run", str(collection_file), "-e", str(environment_file), "--insecure"]
    subprocess.run([*run, "--reporters", "cli,json", "--reporter-json-export", str(results)], check=False)
    assertions = json.loads(results.read_text())["run"]["stats"]["assertions"]
    passed = assertions["total"] - assertions["failed"]
    print(f"run_ctk679: {passed}/{assertions['total']} of the TMF679 R18 kit's assertions passed")
    return 0 if assertions["failed"] == 0 and assertions["total"] else 1


if __name__ == "__main__":
    sys.exit(main())
