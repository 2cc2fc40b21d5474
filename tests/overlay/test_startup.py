"""First minutes: start-up refuses bad settings (all of them, one line each), ``manage.py`` finds the demo's
key in a `make run` checkout, and ``/`` says where to go.

Settings are read once per process: each case starts ``manage.py`` afresh with its own environment.
"""

import re

import pytest

from overlay.env import Environment, contradictions
from tests.overlay.test_deploy import PRODUCTION, manage
from tests.overlay.test_deploy import setting as deploy_setting

PROBLEM_LINE = re.compile(r"^  - .+\.$")
OWN_SETTINGS = {"DJANGO_SETTINGS_MODULE": "overlay.settings"}


def setting(name: str, **env: str) -> str:
    return deploy_setting(name, **OWN_SETTINGS | env)


def refusal(**env: str) -> list[str]:
    result = manage("check", **OWN_SETTINGS | env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    head, *lines = result.stderr.strip().splitlines()
    assert head == f"Overlay cannot start: {len(lines)} problem(s) in its settings."
    assert all(PROBLEM_LINE.match(line) for line in lines), lines
    return [line[4:] for line in lines]


def test_every_problem_is_listed_at_once_one_line_each():
    problems = refusal(
        DEBUG="0",
        DATABASE_URL="postgres://overlay@db.example/overlay",
        SECRET_KEY="",
        CART_IDLE_SECONDS="two weeks",
        EVENT_TIMEOUT_SECONDS="-1",
        SECURE_HSTS_PRELOAD="maybe",
        METRICS_ALLOWED_NETWORKS="",
        CELERY_BROKER_URL="redis://broker.example:6379/0",
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_FORMAT="xml",
    )
    assert problems == [
        "SECRET_KEY must be set when DEBUG is off.",
        "SECURE_HSTS_PRELOAD must be 1 or 0 (true/false, yes/no, on/off), not 'maybe'.",
        "CART_IDLE_SECONDS must be a whole number, not 'two weeks'.",
        "EVENT_TIMEOUT_SECONDS must be at least 0, not -1.",
        "LOG_FORMAT must be one of json, text, not 'xml'.",
        "CELERY_TASK_ALWAYS_EAGER=1 with CELERY_BROKER_URL set: jobs would run in the web process and the broker "
        "never be used; drop one of them.",
        "METRICS_ENABLED=1 needs METRICS_TOKEN or METRICS_ALLOWED_NETWORKS: /metrics is not open to everyone "
        "(or set METRICS_ENABLED=0).",
    ]


def test_debug_with_https_only_and_a_bad_network_are_refused():
    problems = refusal(DEBUG="1", HTTPS_ONLY="1", METRICS_ALLOWED_NETWORKS="10.0.0.0/8,intranet", LOG_LEVELS="httpx")
    assert problems == [
        "LOG_LEVELS: 'httpx' must be logger=LEVEL, e.g. adapters.http=DEBUG.",
        "METRICS_ALLOWED_NETWORKS: 'intranet' is not a network (CIDR, e.g. 10.0.0.0/8 or 127.0.0.1/32).",
        "HTTPS_ONLY=1 with DEBUG=1: the development server speaks plain http; drop one of them.",
    ]


def test_the_production_environment_starts_and_metrics_off_needs_no_token():
    assert setting("METRICS_ENABLED", **PRODUCTION, METRICS_ALLOWED_NETWORKS="", METRICS_ENABLED="0") == "False"
    assert setting("CELERY_TASK_ALWAYS_EAGER", **PRODUCTION, CELERY_BROKER_URL="redis://b:6379/0") == "False"
    assert setting("CELERY_TASK_ALWAYS_EAGER", **PRODUCTION) == "True"  # no broker: the embedded mode
    # The metrics: loopback by default; a token alone once one is set (a remote Prometheus then needs only it).
    assert setting("METRICS_ALLOWED_NETWORKS", **PRODUCTION) == "['127.0.0.1/32', '::1/128']"
    assert setting("METRICS_ALLOWED_NETWORKS", **PRODUCTION, METRICS_TOKEN="t") == "[]"


def test_manage_py_in_a_make_run_checkout_finds_the_demo_key(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("demo-key-written-by-make-run\n")
    demo = {"DEBUG": "0", "SECRET_KEY": "", "DATABASE_URL": "", "OVERLAY_SECRET_KEY_FILE": str(key_file)}
    assert setting("SECRET_KEY", **demo) == "demo-key-written-by-make-run"
    developer = demo | {"DEBUG": "1", "DATABASE_URL": "postgres://me@localhost/dev"}
    assert setting("SECRET_KEY", **developer) == "demo-key-written-by-make-run"
    # Production (a database of its own, DEBUG off) never takes a key from a file.
    assert refusal(**demo | {"DATABASE_URL": "postgres://overlay@db.example/overlay"}) == [
        "SECRET_KEY must be set when DEBUG is off."
    ]
    # A checkout where `make run` never ran says what to do.
    missing = refusal(**demo | {"OVERLAY_SECRET_KEY_FILE": str(tmp_path / "absent")})
    assert missing == [
        f"SECRET_KEY must be set when DEBUG is off (a `make run` checkout keeps its key in {tmp_path / 'absent'}: "
        "run `make run` once)."
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"X": "12"}, 12),
        ({"X": " "}, 5),
        ({"X": "1e3"}, None),
    ],
)
def test_integers_are_read_or_reported(env, expected):
    reader = Environment(env)
    value = reader.integer("X", 5)
    if expected is None:
        assert value == 5 and reader.problems == ["X must be a whole number, not '1e3'."]
    else:
        assert value == expected and reader.problems == []


def test_contradictions_read_the_settings_as_given():
    base = {
        "DEBUG": False,
        "HTTPS_ONLY": True,
        "HTTPS_ONLY_SET": False,
        "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": True,
        "METRICS_ENABLED": True,
        "METRICS_TOKEN": "t",
        "METRICS_ALLOWED_NETWORKS": [],
        "CACHE_URL": "",
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    assert contradictions(base) == []
    assert contradictions(base | {"CACHE_URL": "memcached://x"}) == [
        "CACHE_URL must be a redis:// URL (or empty: a cache per process), not 'memcached://x'."
    ]
    assert contradictions(base | {"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/metrics"}) == [
        "PROMETHEUS_MULTIPROC_DIR=/nonexistent/metrics is not a writable directory: create it first."
    ]


def test_the_landing_page_links_the_console_the_docs_and_the_probes(client):
    response = client.get("/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for href in ('href="/admin/"', 'href="/api/docs/"', 'href="/api/schema/"', 'href="/healthz"', 'href="/readyz"'):
        assert href in page
    # Content-Security-Policy-safe: no inline script or style, nothing from elsewhere.
    assert "<script" not in page and "<style" not in page and "style=" not in page and "http" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert client.post("/").status_code == 405
