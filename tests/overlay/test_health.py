"""``/healthz`` and ``/readyz``: open to probes, nothing personal, 503 when not ready, cheap to poll every second."""

import os

import pytest
from django.db import connection

from adapters.http import breaker_for
from adapters.models import BackOfficeSystem
from overlay import health
from overlay.celery import app as celery_app


@pytest.fixture(autouse=True)
def _fresh_readiness():
    health.forget()
    yield
    health.forget()


@pytest.fixture
def billing(db):
    from adapters import http

    http._BREAKERS.clear()
    yield BackOfficeSystem.objects.create(code="billing", name="Billing", adapter="adapters.builtin.simulated.X")
    http._BREAKERS.clear()


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")  # without the db fixture: any query would fail the test
    assert response.status_code == 200 and response.json() == {"status": "alive"}
    assert response["Cache-Control"].startswith("max-age=0")
    assert client.post("/healthz").status_code == 405


def test_readyz_is_ready_and_costs_two_queries_then_none_within_a_second(client, billing, django_assert_num_queries):
    with django_assert_num_queries(2):  # the applied migrations, the enabled systems
        response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True, "unappliedMigrations": 0}
    assert body["checks"]["cache"] == {"ok": True} and body["checks"]["broker"]["ok"] is True
    assert body["checks"]["backOfficeSystems"] == {"ok": True, "systems": {"billing": {"circuit": "closed"}}}
    with django_assert_num_queries(0):
        assert client.get("/readyz").json() == body


def test_an_unapplied_migration_makes_it_not_ready(client, db):
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("DELETE FROM django_migrations WHERE app = 'overlay' AND name = '0002_idempotencyrecord'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "notReady"
    assert response.json()["checks"]["database"] == {"ok": False, "unappliedMigrations": 1}


def test_an_unreachable_cache_makes_it_not_ready(client, db, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


def _use_broker(url: str | None) -> None:
    from kombu import pools

    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.update(broker_url=url, task_always_eager=url is None)


def test_the_broker_is_checked_when_there_is_one(client, db):
    saved = celery_app.conf.broker_url
    try:
        _use_broker("redis://127.0.0.1:1/0")
        down = client.get("/readyz")
        assert down.status_code == 503 and down.json()["checks"]["broker"]["ok"] is False
        if os.environ.get("REDIS_URL"):
            health.forget()
            _use_broker(os.environ["REDIS_URL"])
            up = client.get("/readyz")
            assert up.status_code == 200 and up.json()["checks"]["broker"] == {"ok": True}
    finally:
        _use_broker(saved or None)


def test_an_open_circuit_is_shown_but_overlay_stays_ready(client, billing, settings):
    breaker = breaker_for("billing")
    for _ in range(settings.BACKOFFICE_CIRCUIT_FAILURES):
        breaker.record(False)
    response = client.get("/readyz")
    assert response.status_code == 200
    systems = response.json()["checks"]["backOfficeSystems"]
    assert systems["ok"] is False and systems["systems"]["billing"]["circuit"] == "open"
    assert 0 < systems["systems"]["billing"]["retryInSeconds"] <= settings.BACKOFFICE_CIRCUIT_COOLDOWN_SECONDS


def test_probes_over_plain_http_are_not_redirected(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/admin/login/").status_code == 301
