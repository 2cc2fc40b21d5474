#!/usr/bin/env python
"""Orders fanned out through a real Redis broker and 2 Celery worker processes to the simulator.

In a fresh PostgreSQL database with the demo catalog (and its fulfilment plans), N hybrid
orders (a phone, a mobile plan, fibre, a partner streaming service: 7 tasks across five
systems, the SIM after the shipment, billing after activation) are placed through the TMF622
API (checked, qualified and priced like a checkout). Two worker processes carry them out
against the simulator, which answers every request after ``--latency-ms``.

Prints orders/min completed, p50/p95 time from checkout to completed, and the check that no
task was lost and none provisioned twice. The ceiling the simulator's latency allows is
printed beside the throughput: with W worker threads in all and a latency L, at most W/L
requests per second reach the systems; the ratio of the two shows how much is left to Overlay.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import StatementCounter, fresh_database, log  # noqa: E402

BENCH_DB = "overlay_bench_orders"
API_KEY = "bench-simulator-key"
TARGET_RATIO = 0.7  # of the simulator-bound baseline
TARGET_TASK_QUERIES = 10  # statements per fulfilment task, on average over the order
TARGET_TASK_TRANSACTIONS = 1  # transaction blocks per task (besides the one statement that takes it)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def control(url: str, path: str, body: dict) -> dict:
    return json.loads(urlopen(Request(f"{url}/_control/{path}", data=json.dumps(body).encode()), timeout=10).read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=500, help="The simulator's latency per request.")
    parser.add_argument("--threads", type=int, default=8, help="Threads per worker process (2 processes).")
    parser.add_argument(
        "--clients", type=int, default=4, help="Channels placing orders at the same time (threads, one process)."
    )
    parser.add_argument(
        "--probe-only",
        action="store_true",
        help="Only place and fulfil the orders counted in this process (no workers, no baseline); print their costs.",
    )
    parser.add_argument("--database", default=BENCH_DB, help="The database to (re)create for the run.")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL") or sys.exit("Set REDIS_URL (or run `make bench-orders`).")

    database_url = fresh_database(args.database, "bench-orders")
    tmp = Path(tempfile.mkdtemp(prefix="overlay-bench-orders-"))
    port = free_port()
    sim_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "overlay.settings",
        "SECRET_KEY": "bench-only",
        "CELERY_BROKER_URL": redis_url,
        "SIMULATOR_API_KEY": API_KEY,
        "FULFILMENT_POLL_SECONDS": "0.5",
        "SWEEP_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
        "LOG_LEVELS": "celery.apps.worker=INFO",  # the workers' "ready." line, which the bench waits for
        "DB_CONN_MAX_AGE": "60",
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "SIMULATOR_API_KEY")})
    os.environ.update({"DJANGO_SETTINGS_MODULE": "overlay.settings", "LOG_LEVEL": "WARNING"})
    processes = []
    try:
        simulator = subprocess.Popen(
            [
                *(sys.executable, "-m", "adapters.simulator", "--port", str(port), "--customers", "50"),
                *("--db", str(tmp / "sim.sqlite3"), "--api-key", API_KEY),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        processes.append(simulator)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.ALLOWED_HOSTS = ["*"]
        call_command("migrate", verbosity=0)
        client, items, customers = prepare(args, sim_url, redis_url)
        costs = probe(client, items, customers.pop(), redis_url)
        if args.probe_only:
            print_costs(costs)
            return 0
        baseline = simulator_alone(args, sim_url)

        log(f"starting 2 worker processes x {args.threads} threads")
        for n in (1, 2):
            command = [
                *(sys.executable, "-m", "celery", "-A", "overlay", "worker", "--pool", "threads"),
                *("--concurrency", str(args.threads), "--loglevel", "INFO", "--hostname", f"bench{n}@%h"),
                *("--without-gossip", "--without-mingle"),
            ]
            if n == 1:
                command += ["--beat", "--schedule", str(tmp / "beat")]
            logfile = open(tmp / f"w{n}.log", "w")
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while sum("ready." in (tmp / f"w{n}.log").read_text() for n in (1, 2)) < 2:
            if time.monotonic() > deadline:
                sys.exit("the workers did not start")
            time.sleep(0.2)
        control(sim_url, "reset_stats", {})
        orders, setup = place_orders(args, client, items, customers)
        return report(args, orders, setup, sim_url, baseline, costs)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def simulator_alone(args, sim_url: str) -> float:
    """The baseline: the same requests per order (7 submits), sent straight to the simulator by as many
    threads as the workers have; orders/min the simulator itself allows at this latency."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    plan = [
        ("logistics", "ship_device"),
        ("mobile", "activate_sim"),
        ("crm", "add_billing"),
        ("fixed", "provision_line"),
    ]
    plan += [("crm", "add_billing"), ("partner", "activate_subscription"), ("crm", "add_billing")]
    threads = 2 * args.threads

    def one_order(n: int) -> None:
        with httpx.Client(base_url=sim_url, headers={"X-Api-Key": API_KEY}, timeout=30) as http:
            for step, (system, task) in enumerate(plan):
                body = {"task": task, "reference": f"baseline-{n}-{step}", "payload": {}}
                http.post(f"/{system}/fulfilment", json=body).raise_for_status()

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one_order, range(args.orders)))
    seconds = time.monotonic() - started
    per_minute = args.orders / seconds * 60
    log(f"baseline: the simulator alone, {threads} threads: {per_minute:.0f} orders/min")
    return per_minute


def prepare(args, sim_url: str, redis_url: str):
    from django.test import Client

    from adapters.demo import configure_simulated_systems, import_catalogs
    from adapters.models import BackOfficeSystem
    from adapters.services import serviceability_ask
    from catalog.demo import load_demo_catalog
    from catalog.models import ProductOffering
    from customers.models import Customer
    from overlay.celery import app
    from overlay.services import api_client_create

    for _ in range(100):
        try:
            urlopen(f"{sim_url}/_control/stats", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    configure_simulated_systems(sim_url)
    BackOfficeSystem.objects.update(sync_every_seconds=0)
    import_catalogs()
    load_demo_catalog()
    postcode = next(p for p in (f"10{n:02d}AB" for n in range(100)) if serviceability_ask("fixed", p, "1").serviceable)
    for system in ("crm", "mobile", "fixed", "logistics", "partner"):
        control(sim_url, "faults", {"system": system, "latency_ms": args.latency_ms})
    customers = Customer.objects.bulk_create(
        Customer(given_name="Bench", family_name=f"Buyer {n}", postcode=postcode, house_number="1")
        for n in range(args.orders + 1)  # and one for the order counted in process (``probe``)
    )
    names = ["Aurora X", "Mobile M 50 GB", "Fibre 500 Mbps", "StreamMax Premium"]
    offerings = {o.name: o.pk for o in ProductOffering.objects.filter(name__in=names)}
    token = api_client_create(
        name="bench-web", channel="web", scopes=["orders:read", "orders:write", "customers:read"]
    ).token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    items = [
        {"id": "1", "action": "add", "productOffering": {"id": offerings["Aurora X"]}},
        {"id": "2", "action": "add", "productOffering": {"id": offerings["Mobile M 50 GB"]}},
        {
            "id": "3",
            "action": "add",
            "productOffering": {"id": offerings["Fibre 500 Mbps"]},
            "product": {"productCharacteristic": [{"name": "Installation address", "value": f"Main St 1, {postcode}"}]},
        },
        {"id": "4", "action": "add", "productOffering": {"id": offerings["StreamMax Premium"]}},
    ]
    return client, items, customers


def probe(client, items, customer, redis_url: str) -> dict:
    """Orders placed and fulfilled in this process before the workers start, the second one's statements
    counted: placement (POST productOrder), the start job, and each task job (the back-office call included)."""
    from adapters.services import fulfilment_target
    from orchestration import fulfilment
    from orchestration.models import FulfilmentTask

    for system in ("crm", "mobile", "fixed", "logistics", "partner"):
        fulfilment_target(system)  # the adapters are looked up once a minute: steady state
    body = {"productOrderItem": items, "relatedParty": [{"id": customer.pk, "role": "customer"}]}
    url = "/tmf-api/productOrderingManagement/v4/productOrder"

    def one_order():
        with StatementCounter() as placement:
            response = client.post(url, body, content_type="application/json", secure=True)
        assert response.status_code == 201, (response.status_code, response.headers, response.content[:300])
        order_id = response.json()["id"]
        with StatementCounter() as start:
            fulfilment.order_start(order_id)
        tasks = []
        while ready := list(FulfilmentTask.objects.filter(order_id=order_id, state="ready").order_by("id")):
            for task in ready:
                with StatementCounter() as counted:
                    fulfilment.task_run(task.pk)
                tasks.append(counted)
        return placement, start, tasks

    one_order()  # warm: pricing data, the serviceability answer, the adapters' connections
    placement, start, tasks = one_order()
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the jobs these orders asked for: done here already
    references = set(FulfilmentTask.objects.filter(order__customer=customer).values_list("reference", flat=True))
    return {"placement": placement, "start": start, "tasks": tasks, "references": references}


def print_costs(costs: dict) -> None:
    """The counted order's costs, each job on a line: statements, transactions, wall and CPU milliseconds."""
    ms = 1000
    for name, c in [("placement", costs["placement"]), ("start", costs["start"])] + [
        (f"task {n}", c) for n, c in enumerate(costs["tasks"], 1)
    ]:
        log(
            f"{name:>9}: {c.statements:2d} statements, {c.transactions} transactions,"
            f" {c.seconds * ms:5.1f} ms wall, {c.cpu_seconds * ms:5.1f} ms CPU"
        )
    tasks = costs["tasks"]
    log(
        f"tasks: {statistics.mean(c.statements for c in tasks):.1f} / {max(c.statements for c in tasks)} statements"
        f" (mean / max), {statistics.mean(c.cpu_seconds for c in tasks) * ms:.1f} ms CPU on average"
    )


def place_orders(args, client, items, customers):
    """Orders come in from ``--clients`` channels at once (each its own thread, connection and client)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    log(f"placing {args.orders} hybrid orders through POST productOrder from {args.clients} clients at once")
    authorization = client.defaults["HTTP_AUTHORIZATION"]

    def one_channel(share: list) -> list[str]:
        channel = Client(HTTP_AUTHORIZATION=authorization)
        placed = []
        try:
            for customer in share:
                body = {"productOrderItem": items, "relatedParty": [{"id": customer.pk, "role": "customer"}]}
                response = channel.post(
                    "/tmf-api/productOrderingManagement/v4/productOrder",
                    body,
                    content_type="application/json",
                    secure=True,
                )
                if response.status_code != 201:
                    sys.exit(f"placing an order failed: {response.status_code} {response.content[:300]}")
                placed.append(response.json()["id"])
        finally:
            connection.close()
        return placed

    started = time.monotonic()
    with ThreadPoolExecutor(args.clients) as pool:
        shares = pool.map(one_channel, [customers[n :: args.clients] for n in range(args.clients)])
        placed = [order_id for share in shares for order_id in share]
    return placed, time.monotonic() - started


def report(args, order_ids: list[str], setup_seconds: float, sim_url: str, baseline: float, costs: dict) -> int:
    from django.db import connection
    from django.db.models import Max, Min

    from orchestration.models import FulfilmentTask, ProductOrder

    deadline = time.monotonic() + max(120, args.orders * 2)
    from orchestration.states import FINAL as final

    while True:
        connection.close()
        done = ProductOrder.objects.filter(pk__in=order_ids, state__in=final, undoing=False).count()
        if done == len(order_ids):
            break
        if time.monotonic() > deadline:
            sys.exit(f"only {done} of {len(order_ids)} orders finished in time")
        time.sleep(0.5)
    orders = ProductOrder.objects.filter(pk__in=order_ids)
    states = {str(s): orders.filter(state=s).count() for s in sorted(final)}
    span = orders.aggregate(first=Min("order_date"), last=Max("completion_date"))
    seconds = (span["last"] - span["first"]).total_seconds()
    latencies = sorted((o.completion_date - o.order_date).total_seconds() for o in orders)
    tasks = FulfilmentTask.objects.filter(order_id__in=order_ids)
    log_rows = [
        r
        for r in json.loads(urlopen(f"{sim_url}/_control/fulfilment", timeout=30).read())["tasks"]
        if not r["reference"].startswith("baseline-") and r["reference"] not in costs["references"]
    ]
    references = {t.reference for t in tasks}
    seen = [r["reference"] for r in log_rows if r["reference"] in references]
    lost = tasks.exclude(state="done").count()
    duplicated = len(seen) - len(set(seen)) + sum(1 for r in log_rows if r["reference"] not in references)
    resubmits = sum(r["submits"] - 1 for r in log_rows if r["reference"] in references)
    requests = sum(json.loads(urlopen(f"{sim_url}/_control/stats", timeout=5).read()).values())

    per_minute = len(order_ids) / seconds * 60
    threads = 2 * args.threads
    print(
        f"orders: {len(order_ids)} placed by {args.clients} clients in {setup_seconds:.1f} s while the workers ran;"
        f" states {states}"
    )
    print(f"fulfilment tasks: {tasks.count()} ({tasks.count() / len(order_ids):.0f} per order, five systems)")
    print(f"completed throughput: {per_minute:.0f} orders/min ({seconds:.1f} s from the first order to the last done)")
    print(
        f"checkout -> completed: p50 {statistics.median(latencies):.2f} s, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.2f} s"
    )
    print(
        f"simulator: {args.latency_ms} ms per request, {requests} requests "
        f"({requests / len(order_ids):.1f} per order); baseline, the simulator alone "
        f"driven by {threads} threads: {baseline:.0f} orders/min"
    )
    print(f"ratio to the simulator-bound baseline: {per_minute / baseline:.2f}")
    print(f"lost tasks: {lost}; duplicated tasks: {duplicated}; deduplicated resubmits: {resubmits}")
    placement, start, task_costs = costs["placement"], costs["start"], costs["tasks"]
    per_task = [c.statements for c in task_costs]
    transactions = [c.transactions for c in task_costs]
    print(
        f"one order, counted in process: POST productOrder {placement.statements} statements in "
        f"{placement.transactions} transactions; start {start.statements} in {start.transactions}; "
        f"tasks {'/'.join(map(str, per_task))} statements (mean {statistics.mean(per_task):.1f}), "
        f"transactions {'/'.join(map(str, transactions))} (the statement that takes a task, then one block)"
    )
    ms = 1000
    print(
        f"  time in this process: placement {placement.seconds * ms:.0f} ms wall, {placement.cpu_seconds * ms:.0f} ms"
        f" CPU; a task {statistics.mean(c.seconds for c in task_costs) * ms:.0f} ms wall (the back-office call"
        f" included), {statistics.mean(c.cpu_seconds for c in task_costs) * ms:.0f} ms CPU, on average"
    )
    goals = {
        f"ratio >= {TARGET_RATIO}": per_minute / baseline >= TARGET_RATIO,
        f"<= {TARGET_TASK_QUERIES} statements per task": statistics.mean(per_task) <= TARGET_TASK_QUERIES,
        f"{TARGET_TASK_TRANSACTIONS} transaction block per task": all(
            t <= TARGET_TASK_TRANSACTIONS + 1 for t in transactions
        ),
    }
    print("goals: " + "; ".join(f"{goal} {'met' if ok else 'NOT met'}" for goal, ok in goals.items()))
    if lost or duplicated or states["completed"] != len(order_ids):
        sys.exit("FAILED: every order must complete, with no task lost or duplicated")
    return 0 if all(goals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
