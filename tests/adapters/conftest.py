import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from adapters import http as adapter_http
from adapters.models import BackOfficeSystem

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "test-simulator-key"
SYSTEMS = {
    "crm": "CrmAdapter",
    "mobile": "MobileAdapter",
    "fixed": "FixedAdapter",
    "logistics": "LogisticsAdapter",
    "partner": "PartnerCatalogAdapter",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Simulator:
    def __init__(self, tmp_path: Path, customers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "adapters.simulator",
                "--port",
                str(self.port),
                "--customers",
                str(customers),
                "--db",
                str(tmp_path / "simulator.sqlite3"),
                "--api-key",
                API_KEY,
                "--seed",
                "42",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the simulator did not start")

    def control(self, path: str, body: dict) -> dict:
        request = Request(f"{self.url}/_control/{path}", data=json.dumps(body).encode(), method="POST")
        return json.loads(urlopen(request, timeout=10).read())

    def stats(self) -> dict:
        return json.loads(urlopen(f"{self.url}/_control/stats", timeout=2).read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def simulator(tmp_path):
    sim = Simulator(tmp_path, customers=200)
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _fresh_circuit_breakers():
    from adapters import services

    adapter_http._BREAKERS.clear()
    services._TARGETS.clear()
    yield
    adapter_http._BREAKERS.clear()
    services._TARGETS.clear()


@pytest.fixture
def systems(db, simulator, monkeypatch):
    """The five simulated systems, configured as an operator would (the key in the environment)."""
    monkeypatch.setenv("SIMULATOR_API_KEY", API_KEY)
    monkeypatch.setenv("SIMULATOR_WEBHOOK_SECRET", "push-secret")
    return {
        code: BackOfficeSystem.objects.create(
            code=code,
            name=code.title(),
            adapter=f"adapters.builtin.simulated.{cls}",
            base_url=simulator.url,
            credentials_ref="SIMULATOR_API_KEY",
            webhook_secret_ref="SIMULATOR_WEBHOOK_SECRET",
            timeout_seconds=2,
            page_size=50,
        )
        for code, cls in SYSTEMS.items()
    }
