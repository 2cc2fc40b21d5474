"""scripts/run_demo.py (`make run`): a port already taken is said at once, naming the variable that moves it.

Before, a second `make run` (or anything on 8100) made the demo wait for a simulator that was not its own,
or configure the systems against another checkout's simulator.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        yield str(listening.getsockname()[1])


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def run_demo(port: str, simulator_port: str, tmp_path) -> subprocess.CompletedProcess:
    # Were the check gone, the demo would start: on a database of its own, not the tests'.
    env = {**os.environ, "SIMULATOR_PORT": simulator_port, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    command = [sys.executable, "scripts/run_demo.py", "--port", port]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_a_taken_web_port_is_refused_before_anything_starts(taken, tmp_path):
    result = run_demo(taken, free_port(), tmp_path)
    assert result.returncode == 1
    assert f"Port {taken} on 127.0.0.1 is in use" in result.stdout and "set PORT=" in result.stdout
    assert "[simulator]" not in result.stdout + result.stderr


def test_a_taken_simulator_port_is_refused_before_anything_starts(taken, tmp_path):
    result = run_demo(free_port(), taken, tmp_path)
    assert result.returncode == 1
    assert f"Port {taken} on 127.0.0.1 is in use" in result.stdout and "set SIMULATOR_PORT=" in result.stdout
    assert "[simulator]" not in result.stdout + result.stderr
