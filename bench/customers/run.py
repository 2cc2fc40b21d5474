#!/usr/bin/env python
"""Customer search and 360° latency at scale: 1,000,000 customers, 3,000,000 held products.

Loads a fresh PostgreSQL database with COPY from the simulator's deterministic people
(rows shaped exactly as the sync engine writes them: customers, links with their identifiers,
billing accounts; two mobile subscriptions and one fibre line each), then measures in
one run, through Django's full request stack with a call-centre application's token:
identifier search (a phone written with spaces), fuzzy name search (a name with a typo)
and the 360° view, printing p50/p95 and queries per request.
Targets: identifier p95 <= 10 ms, fuzzy p95 <= 50 ms, 360° p95 <= 30 ms, constant queries.
"""

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import django_on, fresh_database, log  # noqa: E402

BENCH_DB = "overlay_bench_customers"
TARGETS = {"identifier search": 10.0, "fuzzy name search": 50.0, "360° view": 30.0}


def load(customers: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from adapters.simulator.data import person, phone_of

    now = timezone.now()
    ids = [uuid.UUID(int=i + 1).hex for i in range(customers)]
    started = time.monotonic()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY customers_customer (id, kind, given_name, family_name, organization_name, email, phone, national_id,"
            " birth_date, street, house_number, postcode, city, segment, status, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(customers):
                p = person(42, i)
                copy.write_row(
                    (
                        ids[i],
                        "individual",
                        p.first,
                        p.last,
                        "",
                        p.email,
                        p.phone,
                        p.national_id,
                        p.birth_date,
                        p.street,
                        str(p.house_number),
                        p.postcode,
                        p.city,
                        "consumer",
                        "active",
                        now,
                        now,
                    )
                )
        log(f"customers copied ({time.monotonic() - started:.0f}s)")
        with raw.copy(
            "COPY customers_customerlink (id, customer_id, system, external_id, linked_by, account_ref, national_id,"
            " email, phone, source_hash, updated_at) FROM STDIN"
        ) as copy:
            for i in range(customers):
                p = person(42, i)
                copy.write_row(
                    (
                        3 * i + 1,
                        ids[i],
                        "crm",
                        f"C{i:08d}",
                        "new",
                        f"A{i:08d}",
                        p.national_id,
                        p.email,
                        p.phone,
                        "-",
                        now,
                    )
                )
                second = phone_of(42, 10**7 + i)
                copy.write_row(
                    (3 * i + 2, ids[i], "mobile", f"holder:SUB-{i}", "account", "", "", "", second, "-", now)
                )
                copy.write_row((3 * i + 3, ids[i], "fixed", f"subscriber:FL{i}", "email", "", "", "", "", "-", now))
        log(f"links copied ({time.monotonic() - started:.0f}s)")
        with raw.copy(
            "COPY customers_billingaccount (id, customer_id, system, external_id, bill_cycle, payment_method,"
            " source_hash, updated_at) FROM STDIN"
        ) as copy:
            for i in range(customers):
                copy.write_row((f"acct{i}", ids[i], "crm", f"A{i:08d}", 1 + i % 28, "DD", "-", now))
        with raw.copy(
            "COPY customers_heldproduct (id, customer_id, system, external_id, name, product_code, status,"
            " characteristics, billing_account_ref, start_date, source_hash, updated_at) FROM STDIN"
        ) as copy:
            for i in range(customers):
                p = person(42, i)
                second = phone_of(42, 10**7 + i)
                rows = (
                    ("mobile", f"SUB-{i}-0", "Mobile M 50 GB", "MOB-M", f'{{"MSISDN": "{p.phone}"}}'),
                    ("mobile", f"SUB-{i}-1", "SIM-only 20 GB", "SIM-ONLY", f'{{"MSISDN": "{second}"}}'),
                    ("fixed", f"FL{i}", "Fibre 500 Mbps", "FIBRE-500", '{"Speed": "500"}'),
                )
                for system, external_id, name, code, characteristics in rows:
                    copy.write_row(
                        (
                            f"{external_id}",
                            ids[i],
                            system,
                            external_id,
                            name,
                            code,
                            "active",
                            characteristics,
                            f"A{i:08d}",
                            now,
                            "-",
                            now,
                        )
                    )
        log(f"accounts and held products copied ({time.monotonic() - started:.0f}s)")
        cursor.execute("SELECT setval(pg_get_serial_sequence('customers_customerlink', 'id'), %s)", [3 * customers])
        cursor.execute("ANALYZE")
    log(f"loaded and analyzed in {time.monotonic() - started:.0f}s")


def measure(customers: int, samples: int) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from adapters.simulator.data import national_phone, person
    from overlay.services import api_client_create

    token = api_client_create(name="bench-callcentre", channel="callcentre", scopes=["customers:read", "customers:pii"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    rng = random.Random(7)

    def typo(text: str) -> str:
        position = rng.randrange(1, len(text) - 1)
        return text[:position] + text[position + 1 :]

    cases = {
        "identifier search": lambda p: ("/api/v1/customers/search", {"q": national_phone(p.phone)}),
        "fuzzy name search": lambda p: ("/api/v1/customers/search", {"q": f"{p.first} {typo(p.last)}"}),
        "360° view": lambda p: (f"/api/v1/customers/{uuid.UUID(int=p.index + 1).hex}/360", {}),
    }
    ok = True
    print(f"customers benchmark: {customers} customers, {3 * customers} held products, {samples} requests each")
    for name, make in cases.items():
        timings, query_counts = [], set()
        for n in range(samples + 10):
            p = person(42, rng.randrange(customers))
            url, params = make(p)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, params)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content[:300]
            if n >= 10:  # the first requests warm caches and connections
                timings.append(elapsed)
                if name == "360° view" or response.json()["result"]:  # an empty answer needs fewer
                    query_counts.add(len(captured))
        timings.sort()
        p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95) - 1]
        met = p95 <= TARGETS[name] and len(query_counts) == 1
        ok &= met
        counts = "/".join(str(c) for c in sorted(query_counts))
        print(
            f"  {name:<20} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms (target <= {TARGETS[name]:.0f})  queries {counts}"
            f"  {'met' if met else 'NOT met'}"
        )
    print(f"  targets {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    django_on(fresh_database(BENCH_DB, "bench-customers"))
    load(args.customers)
    return measure(args.customers, args.samples)


if __name__ == "__main__":
    sys.exit(main())
