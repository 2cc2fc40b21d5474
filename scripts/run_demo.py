#!/usr/bin/env python
"""`make run`: the back-office simulator and Overlay side by side, with the demo synced in between.

1. starts the simulator (its own storage under var/) on SIMULATOR_PORT (8100),
2. migrates, loads roles, demo users, the demo catalog and the simulated systems,
3. pulls every system through the real adapters (`manage.py sync`),
4. tells the simulator to push its changes to Overlay's webhook, each system signing with its own secret,
5. starts the orchestration sweeper (retries, polls, undoing, event redelivery: no broker needed),
6. serves the API and the admin until Ctrl-C, then stops the simulator and the sweeper.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))

from adapters.simulator.data import SYSTEMS  # noqa: E402  (stdlib only: no Django set up here)


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urlopen(url, timeout=1).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def port_taken(host: str, port: str) -> bool:
    """Whether something already listens on host:port (another `make run`, say): better said before starting."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, int(port))) == 0


def push_secret_ref(code: str) -> str:
    """Where a system's push secret is in the environment, as adapters.demo.push_secret_ref names it."""
    return f"SIMULATOR_WEBHOOK_SECRET_{code.upper()}"


def demo_secrets(path: Path) -> dict:
    """The simulator's API key and each system's own push secret, made once and kept under var/."""
    keys = json.loads(path.read_text()) if path.exists() else {}
    push = keys.get("push") if isinstance(keys.get("push"), dict) else {}  # once one secret shared by all
    keys = {
        "api_key": keys.get("api_key") or secrets.token_urlsafe(24),
        "push": {code: push.get(code) or secrets.token_urlsafe(24) for code in SYSTEMS},
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--customers", type=int, default=int(os.environ.get("DEMO_CUSTOMERS", "500")))
    args = parser.parse_args()
    # Stopped by a service manager or `kill`: clean up as for Ctrl-C, simulator included.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    # The demo serves plain http on this machine: https-only settings off, hrefs in events on this address,
    # and listeners allowed over http on loopback port 8099 only (DEMO_LISTENER_PORT): a listener to try
    # events with; every other internal address stays refused, as in production.
    os.environ.setdefault("HTTPS_ONLY", "0")
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    listener_port = os.environ.get("DEMO_LISTENER_PORT", "8099")
    os.environ.setdefault("EVENT_CALLBACK_HTTP", "1")
    os.environ.setdefault("EVENT_CALLBACK_INTERNAL_HOSTS", f"127.0.0.1:{listener_port},localhost:{listener_port}")

    simulator_port = os.environ.get("SIMULATOR_PORT", "8100")
    simulator_url = f"http://127.0.0.1:{simulator_port}"
    for where, port, change in ((args.host, args.port, "PORT"), ("127.0.0.1", simulator_port, "SIMULATOR_PORT")):
        if port_taken(where, port):
            print(f"Port {port} on {where} is in use (another make run?): set {change}=... to use another.")
            return 1

    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    keys = demo_secrets(var / "simulator_secrets.json")
    os.environ.setdefault("SIMULATOR_API_KEY", keys["api_key"])
    for code, secret in keys["push"].items():
        os.environ.setdefault(push_secret_ref(code), secret)

    simulator = subprocess.Popen(
        [
            *(PYTHON, "-m", "adapters.simulator", "--port", simulator_port, "--customers", str(args.customers)),
            *("--db", str(var / "simulator.sqlite3"), "--api-key", os.environ["SIMULATOR_API_KEY"]),
        ],
        cwd=ROOT,
    )
    sweeper = None
    try:
        wait_for(f"{simulator_url}/_control/stats")
        manage("migrate", "--no-input", "-v0")
        manage("load_demo", "--simulator-url", simulator_url)
        manage("sync")
        webhook = {
            "url": f"http://{args.host}:{args.port}/api/v1/backoffice/{{system}}/events",
            "secrets": {code: os.environ[push_secret_ref(code)] for code in SYSTEMS},
        }
        urlopen(Request(f"{simulator_url}/_control/webhook", data=json.dumps(webhook).encode(), method="POST")).read()
        sweeper = subprocess.Popen([PYTHON, "manage.py", "orchestrate", "--every", "2"], cwd=ROOT)
        print(
            f"\nOverlay is serving on http://{args.host}:{args.port}/\n"
            f"  Admin console: http://{args.host}:{args.port}/admin/   (users above, e.g. manager / overlay-demo)\n"
            f"  API docs:      http://{args.host}:{args.port}/api/docs/\n"
            f"  TMF620:        http://{args.host}:{args.port}/tmf-api/productCatalogManagement/v4/productOffering\n"
            f"  Back-office simulator: {simulator_url} ({args.customers} customers; "
            f'POST {simulator_url}/_control/changes {{"system": "crm", "count": 5}} pushes changes)\n',
            flush=True,
        )
        return subprocess.run(
            [PYTHON, "manage.py", "runserver", "--insecure", "--noreload", f"{args.host}:{args.port}"], cwd=ROOT
        ).returncode
    except KeyboardInterrupt:
        return 0
    finally:
        if sweeper is not None:
            sweeper.terminate()
            sweeper.wait(timeout=10)
        simulator.terminate()
        simulator.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
