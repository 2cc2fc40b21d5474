"""`make serve`'s topology, for real: scripts/serve.py with two gunicorn workers, two Celery workers and
beat, on a database of its own (migrated by the script) and the suite's Redis, the simulator on loopback.

A journey over HTTP (web cart → hand-off → claim in the app → checkout → fulfilment across the simulated
systems → events to a listener), and what breaks when state lives in one process: a throttle budget,
a revoked token, a price change, each seen through both web workers (told apart by the access log's pid),
and jobs taken by both Celery workers.
"""

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.factories.orders import fulfilment_log
from tests.fixtures.simulator import API_KEY, ROOT, free_port

pytestmark = pytest.mark.e2e
CART = "/tmf-api/shoppingCart/v4/shoppingCart"
ORDER = "/tmf-api/productOrderingManagement/v4/productOrder"
PRICE = "/tmf-api/productCatalogManagement/v4/productOfferingPrice"
OFFERING = "/tmf-api/productCatalogManagement/v4/productOffering"
# Ready: the database migrated, the cache and the broker reachable (what a load balancer's probe asks).
READY_PATH = "/readyz"
METRICS_TOKEN = "e2e-metrics"
SETUP = """
import io, json
from django.core.management import call_command
from adapters.models import BackOfficeSystem
from overlay.services import api_client_create

call_command("load_demo", simulator_url={simulator!r}, stdout=io.StringIO())
BackOfficeSystem.objects.update(sync_every_seconds=0)  # no scheduled pulls competing with the journey
clients = {{
    "web": ("web", ["customers:token", "customers:register", "carts:read", "carts:write"]),
    "mobile": ("mobile", ["customers:token", "carts:read", "carts:write", "orders:read"]),
    "catalog": ("web", ["catalog:write"]),
    "guesser": ("store", ["carts:read", "carts:write"]),
    "revoked": ("store", []),
}}
tokens = {{key: api_client_create(name=f"e2e-{{key}}", channel=c, scopes=s).token for key, (c, s) in clients.items()}}
print(json.dumps(tokens))
"""


def _serve_script():
    spec = importlib.util.spec_from_file_location("overlay_serve", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Topology:
    """scripts/serve.py in its own process group, its output in a file the test reads. Should this test
    process be killed, serve.py gets SIGTERM and stops its processes (no worker left on the suite's Redis)."""

    def __init__(self, tmp_path: Path, env: dict, port: int):
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = tmp_path / "serve.log"
        self.env = env
        self.process = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--port", str(port), "--beat-schedule", str(tmp_path / "beat")],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_serve_script().die_with_parent,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, condition, what: str, seconds: float = 60):
        deadline = time.monotonic() + seconds
        while True:
            value = condition()
            if value:
                return value
            if self.process.poll() is not None:
                raise AssertionError(f"serve.py exited ({self.process.returncode}) waiting for {what}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not reached in {seconds} s; serve.py's output:\n{self.tail()}")
            time.sleep(0.1)

    def tail(self) -> str:
        return self.log()[-6000:]

    def ready(self) -> None:
        def answers() -> bool:
            try:
                return httpx.get(self.base_url + READY_PATH, timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        self.wait_for(answers, "the web workers")
        ready = [re.compile(rf"worker{n}@\S+ ready\.") for n in (1, 2)]
        self.wait_for(lambda: all(pattern.search(self.log()) for pattern in ready), "both Celery workers")

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def pid_of(self, request_id: str) -> int:
        """The web worker that answered a request: gunicorn's access log names its pid."""
        pattern = re.compile(rf"pid=<(\d+)> request={re.escape(request_id)}\b")
        return int(self.wait_for(lambda: pattern.search(self.log()), f"access log of {request_id}", 10).group(1))

    def children(self) -> dict[str, int]:
        return {name: int(pid) for name, pid in re.findall(r"serve \| started (\S+) \(pid (\d+)\)", self.log())}

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever is left, were the script to fail
        except ProcessLookupError:
            pass
        for pid in self.children().values():
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.process.wait(timeout=10)


class Api:
    """An HTTP client of the topology that tags each request, so the test knows which worker answered."""

    def __init__(self, topology: Topology, token: str | None):
        self.topology = topology
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=topology.base_url, headers=headers, timeout=30)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        request_id = uuid.uuid4().hex
        headers = {**kwargs.pop("headers", {}), "X-Request-ID": request_id}
        response = self.http.request(method, path, headers=headers, **kwargs)
        response.request_id = request_id
        return response

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def on_every_worker(self, path: str, **kwargs) -> list[httpx.Response]:
        """The same GET, in bursts of four at once, until both web workers have answered it."""
        responses: list[httpx.Response] = []
        deadline = time.monotonic() + 20
        with ThreadPoolExecutor(4) as pool:
            while len({self.topology.pid_of(r.request_id) for r in responses}) < 2:
                assert time.monotonic() < deadline, "requests never reached both web workers"
                responses += pool.map(lambda _: self.get(path, **kwargs), range(4))
        return responses


@pytest.fixture
def topology_database(tmp_path):
    """A database of the topology's own on the suite's PostgreSQL server, dropped afterwards."""
    import psycopg

    server = os.environ["DATABASE_URL"]
    name = f"overlay_topology_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def topology(tmp_path, topology_database, redis_url, simulator):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CACHE_URL", "DEBUG"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "overlay.settings",
            "DATABASE_URL": topology_database,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "e2e-topology",
            "HTTPS_ONLY": "0",  # plain http on loopback; everything else as in production (DEBUG off)
            "ALLOWED_HOSTS": "127.0.0.1",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "WEB_WORKERS": "2",
            "CELERY_WORKERS": "2",
            "EVENT_CALLBACK_HTTP": "1",
            "EVENT_CALLBACK_INTERNAL_HOSTS": "127.0.0.1",
            "SIMULATOR_API_KEY": API_KEY,
            "SWEEP_SECONDS": "1",
            "FULFILMENT_RETRY_BASE_SECONDS": "0.2",
            "FULFILMENT_RETRY_MAX_SECONDS": "1",
            "FULFILMENT_POLL_SECONDS": "0.2",
            "EVENT_RETRY_BASE_SECONDS": "0.2",
            "EVENT_RETRY_MAX_SECONDS": "1",
            # What a process would otherwise keep to itself, kept long enough for the test to notice.
            "CATALOG_PAGE_CACHE_SECONDS": "300",
            "PRICING_DATA_CACHE": "1",
            "API_TOKEN_CACHE_SECONDS": "300",
            "HANDOFF_CLAIM_RATE": "8/min",
            "LOG_LEVEL": "WARNING",
            # What the test reads in the output: the workers' "ready." and their jobs' outcomes.
            "LOG_LEVELS": "celery=INFO",
            "METRICS_TOKEN": METRICS_TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        }
    )
    (tmp_path / "prometheus").mkdir()
    served = Topology(tmp_path, env, port)
    try:
        served.ready()
        tokens = json.loads(served.manage("shell", "-v0", "-c", SETUP.format(simulator=simulator.url)))
        yield served, tokens
    finally:
        code = served.stop()
    assert code == 0, served.tail()
    for name, pid in served.children().items():
        assert not _alive(pid), f"{name} (pid {pid}) outlived serve.py"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_production_topology_serves_a_journey_and_shares_its_state(topology, simulator, listener):
    served, tokens = topology
    web_app, mobile_app = Api(served, tokens["web"]), Api(served, tokens["mobile"])

    # A listener for the app's orders, registered on the hub (events come from the Celery workers).
    hub = mobile_app.post("/tmf-api/productOrderingManagement/v4/hub", json={"callback": listener.url, "query": ""})
    assert hub.status_code == 201, hub.text

    # 1. The web shop signs a new visitor up and builds their cart, then hands it off.
    email = f"topology-{uuid.uuid4().hex[:6]}@example.net"
    signed_in = web_app.post(
        "/api/v1/auth/customer-token",
        json={"identity": {"sub": "web|1", "email": email, "email_verified": True}, "register": True},
    )
    assert signed_in.status_code == 201, signed_in.text
    customer_id = signed_in.json()["customer"]["id"]
    on_web = Api(served, signed_in.json()["token"])
    offerings = {o["name"]: o["id"] for o in on_web.get(OFFERING, params={"fields": "id,name", "limit": 100}).json()}
    items = [{"productOffering": {"id": offerings[name]}, "quantity": 1} for name in ("Mobile M 50 GB", "Aurora X")]
    created = on_web.post(CART, json={"cartItem": items})
    assert created.status_code == 201, created.text
    cart_id = created.json()["id"]
    handoff = on_web.post("/api/v1/handoffs", json={"shoppingCart": {"id": cart_id}, "note": "finish in the app"})
    assert handoff.status_code == 201, handoff.text

    # 2. The app: the same person signs in there (their verified e-mail), claims the cart and checks out.
    signed_in = mobile_app.post(
        "/api/v1/auth/customer-token", json={"identity": {"sub": "app|1", "email": email, "email_verified": True}}
    )
    assert signed_in.status_code == 201 and signed_in.json()["customer"]["id"] == customer_id, signed_in.text
    in_app = Api(served, signed_in.json()["token"])
    claimed = in_app.post(f"/api/v1/handoffs/{handoff.json()['code']}/claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["shoppingCart"]["id"] == cart_id
    etag = in_app.get(f"{CART}/{cart_id}").headers["ETag"]
    checkout = {"json": {}, "headers": {"Idempotency-Key": str(uuid.uuid4()), "If-Match": etag}}
    first = in_app.post(f"/api/v1/carts/{cart_id}/checkout", **checkout)
    assert first.status_code == 201, first.text
    again = in_app.post(f"/api/v1/carts/{cart_id}/checkout", **checkout)
    order_id = first.json()["id"]
    assert again.json()["id"] == order_id  # one order, whichever worker took the retry

    # 3. Fulfilment across the simulated systems, by the Celery workers; the listener hears each state.
    def state() -> str | None:
        found = in_app.get(f"{ORDER}/{order_id}").json()["state"]
        return found if found in {"completed", "failed", "partial"} else None

    assert served.wait_for(state, f"order {order_id} final") == "completed"
    done = sorted((t["system"], t["task"], t["submits"]) for t in fulfilment_log(simulator))
    assert done == [("crm", "add_billing", 1), ("logistics", "ship_device", 1), ("mobile", "activate_sim", 1)]
    served.wait_for(lambda: len(listener.bodies()) >= 3, "three order events")
    events = [e["event"]["productOrder"] for e in listener.bodies()]
    assert {e["id"] for e in events} == {order_id}
    assert [e["state"] for e in events] == ["acknowledged", "inProgress", "completed"]

    # 4. One throttle budget, whichever web worker counts: 8 claims a minute for an application.
    guesser = Api(served, tokens["guesser"])
    guesses = [f"ZZZZ{n:04d}" for n in range(10)]
    with ThreadPoolExecutor(4) as pool:
        tried = list(pool.map(lambda code: guesser.post(f"/api/v1/handoffs/{code}/claim"), guesses[:8]))
    assert len({served.pid_of(r.request_id) for r in tried}) == 2, "the guesses reached one web worker only"
    assert {r.status_code for r in tried} == {404}, [r.text for r in tried]
    refused = [guesser.post(f"/api/v1/handoffs/{code}/claim") for code in guesses[8:]]
    assert [r.status_code for r in refused] == [429, 429], [r.text for r in refused]

    # 5. A token revoked by an administrator (on one worker) stops working on every worker at once.
    revoked = Api(served, tokens["revoked"])
    assert {r.status_code for r in revoked.on_every_worker(PRICE, params={"limit": 1})} == {200}
    _admin_revoke(served, "e2e-revoked")
    assert {r.status_code for r in revoked.on_every_worker(PRICE, params={"limit": 1})} == {401}

    # 6. A price changed through the API is what every worker shows next: the cached catalog page and the
    #    pricing data behind a cart's prices are both invalidated everywhere.
    fee = "Mobile S 10 GB monthly fee"
    browse = Api(served, tokens["web"])
    shown = {r.json()[0]["price"]["value"] for r in browse.on_every_worker(PRICE, params={"name": fee})}
    assert len(shown) == 1
    quote_cart = on_web.post(
        CART, json={"cartItem": [{"productOffering": {"id": offerings["Mobile S 10 GB"]}, "quantity": 1}]}
    )
    assert quote_cart.status_code == 201, quote_cart.text
    priced = {_price_in_cart(r, fee) for r in on_web.on_every_worker(f"{CART}/{quote_cart.json()['id']}")}
    assert priced == shown
    new_price = shown.pop() + 3
    fee_id = browse.get(PRICE, params={"name": fee}).json()[0]["id"]
    changed = Api(served, tokens["catalog"]).request(
        "PATCH", f"{PRICE}/{fee_id}", json={"price": {"unit": "EUR", "value": new_price}}
    )
    assert changed.status_code == 200, changed.text
    assert {r.json()[0]["price"]["value"] for r in browse.on_every_worker(PRICE, params={"name": fee})} == {new_price}
    repriced = {_price_in_cart(r, fee) for r in on_web.on_every_worker(f"{CART}/{quote_cart.json()['id']}")}
    assert repriced == {new_price}

    # 7. Both Celery workers took jobs from the one queue.
    for worker in ("worker1", "worker2"):
        assert re.search(rf"^{worker} +\|.*Task \S+\[[0-9a-f-]+\] succeeded", served.log(), re.M), served.tail()

    # 8. Metrics are counted in every process and read whole from any web worker (multiprocess mode): the
    #    checkout one worker answered and the jobs the Celery workers ran; nobody without the token reads them.
    scraped = Api(served, METRICS_TOKEN).on_every_worker("/metrics")
    for response in scraped:
        assert response.status_code == 200, response.text
        assert re.search(r'^overlay_cart_checkouts_total\{channel="mobile"\} [1-9]', response.text, re.M), response.text
        assert re.search(r'^overlay_celery_tasks_total\{outcome="success",task="\S+"\} [1-9]', response.text, re.M)
    assert {r.status_code for r in Api(served, None).on_every_worker("/metrics")} <= {401, 403}


def _price_in_cart(response: httpx.Response, name: str):
    assert response.status_code == 200, response.text
    prices = [p for item in response.json()["cartItem"] for p in item.get("itemPrice", []) if p["name"] == name]
    assert len(prices) == 1, response.text
    return prices[0]["price"]["dutyFreeAmount"]["value"]


def _admin_revoke(served: Topology, client_name: str) -> None:
    """Log in to the admin as the demo's administrator and revoke an application with the list's action."""
    admin = httpx.Client(base_url=served.base_url, timeout=30, follow_redirects=False)
    login = admin.get("/admin/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    logged_in = admin.post(
        "/admin/login/",
        data={"username": "admin", "password": "overlay-demo", "csrfmiddlewaretoken": csrf, "next": "/admin/"},
    )
    assert logged_in.status_code == 302, logged_in.text
    listing = admin.get("/admin/overlay/apiclient/", params={"q": client_name})
    client_id = re.search(r'name="_selected_action" value="(\d+)"', listing.text).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing.text).group(1)
    revoked = admin.post(
        "/admin/overlay/apiclient/",
        data={"action": "revoke", "_selected_action": client_id, "csrfmiddlewaretoken": csrf, "index": 0},
    )
    assert revoked.status_code == 302, revoked.text
    assert "client(s) revoked" in admin.get("/admin/overlay/apiclient/").text


@pytest.mark.parametrize(
    "missing, says",
    [
        ({"DATABASE_URL": ""}, "set DATABASE_URL to a PostgreSQL database"),
        ({"DATABASE_URL": "sqlite:///overlay.sqlite3"}, "set DATABASE_URL to a PostgreSQL database"),
        ({"REDIS_URL": ""}, "set REDIS_URL to a Redis server"),
        ({"CACHE_URL": "locmem://"}, "CACHE_URL must be a Redis URL"),
    ],
)
def test_serve_refuses_to_start_without_what_the_processes_share(missing, says, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://overlay@127.0.0.1:1/overlay",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        **missing,
    }
    result = subprocess.run(
        [sys.executable, "scripts/serve.py", "--port", str(free_port()), "--beat-schedule", str(tmp_path / "beat")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and says in result.stderr, result.stdout + result.stderr
    assert "migrating" not in result.stdout  # nothing started, nothing written
