"""Pushed changes, sync runs over the API, the sync command, scheduling, and a real crash mid-sync."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from adapters.models import SyncCursor, SyncRun
from adapters.sync import sync_stream
from customers.models import BillingAccount, Customer, CustomerLink
from overlay.signing import signature_of, timestamped_signature
from tests.fixtures.simulator import API_KEY, ROOT
from tests.tmf import assert_tmf_error, rows_in_database

EVENTS = "/api/v1/backoffice/{}/events"


def signed_post(
    client, system: str, body: dict, secret: str = "push-secret", signature: str | None = None, at: float | None = None
):
    """POST a push as a system signs it: ``t=<unix seconds>,v1=<hex>`` over "<t>.<body>", now (or ``at``)."""
    raw = json.dumps(body).encode()
    if signature is None:
        signature = timestamped_signature(secret, raw, int(time.time() if at is None else at))
    return client.generic(
        "POST", EVENTS.format(system), raw, content_type="application/json", HTTP_X_SIGNATURE=signature
    )


def signed_raw_post(client, system: str, raw: bytes, secret: str = "push-secret"):
    """POST raw bytes (perhaps not JSON at all) signed as a system signs them, now."""
    signature = timestamped_signature(secret, raw, int(time.time()))
    return client.generic(
        "POST", EVENTS.format(system), raw, content_type="application/json", HTTP_X_SIGNATURE=signature
    )


@pytest.mark.django_db
class TestPushedChanges:
    def test_a_signed_push_is_applied(self, anonymous, systems, simulator, django_capture_on_commit_callbacks):
        sync_stream(systems["crm"], "customers")
        records = simulator.control("changes", {"system": "crm", "count": 2})["records"]
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_post(anonymous, "crm", {"stream": "customers", "records": records})
        assert response.status_code == 202 and response.json() == {"accepted": 2}
        push = SyncRun.objects.get(kind="push")
        assert (push.status, push.fetched, push.updated + push.unchanged) == ("succeeded", 2, 2)
        assert ".new" in Customer.objects.get(links__external_id=records[-1]["CUST_NO"]).email

    def test_a_pushed_tariff_change_reaches_the_catalog(
        self, anonymous, systems, simulator, django_capture_on_commit_callbacks
    ):
        from catalog.models import ProductOffering

        sync_stream(systems["crm"], "products")
        records = simulator.control("changes", {"system": "crm", "stream": "products", "count": 1})["records"]
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_post(anonymous, "crm", {"stream": "products", "records": records})
        assert response.status_code == 202
        push = SyncRun.objects.get(kind="push")
        assert (push.stream, push.status, push.updated) == ("products", "succeeded", 1)
        offering = ProductOffering.objects.get(source_system="crm", external_id=records[0]["PROD_CD"])
        assert offering.name == records[0]["PROD_NM"]

    @pytest.mark.parametrize(
        "secret,signature", [("wrong-secret", None), ("push-secret", ""), ("push-secret", "sha256=00")]
    )
    def test_a_wrongly_signed_push_is_a_401_and_writes_nothing(self, anonymous, systems, secret, signature):
        body = {"stream": "customers", "records": [{"CUST_NO": "C9", "FIRST_NM": "Eve"}]}
        with_signature = signed_post(anonymous, "crm", body, secret=secret, signature=signature)
        assert_tmf_error(with_signature, 401)
        assert not SyncRun.objects.exists() and not Customer.objects.exists()

    def test_a_push_for_an_unknown_system_is_a_404(self, anonymous, systems):
        assert_tmf_error(signed_post(anonymous, "billing9", {"stream": "x", "records": []}), 404)

    def test_a_system_without_a_secret_accepts_no_push(self, anonymous, systems, monkeypatch):
        monkeypatch.delenv("SIMULATOR_WEBHOOK_SECRET")
        assert_tmf_error(signed_post(anonymous, "crm", {"stream": "customers", "records": []}, secret=""), 401)

    @pytest.mark.parametrize(
        "body,status",
        [
            ({"stream": "nope", "records": []}, 422),
            ({"stream": "customers"}, 422),
            ({"stream": "customers", "records": [{}] * 1001}, 422),
        ],
    )
    def test_bad_pushes_write_nothing(self, anonymous, systems, body, status):
        assert_tmf_error(signed_post(anonymous, "crm", body), status)
        assert not SyncRun.objects.exists()

    @pytest.mark.parametrize(
        "raw,status",
        [
            (b'{"stream": [], "records": []}', 422),  # a stream that is no name
            (b'{"stream": "customers", "records": [1, "x"]}', 422),  # records that are no objects
            (b'{"stream": "customers", "records": [{"CUST_NO": "C9", "FIRST_NM": NaN}]}', 400),
            (b'{"stream": "customers", "records": [{"CUST_NO": "C9", "FIRST_NM": 1e999}]}', 400),
            (b'{"stream": "customers", "records": [{"CUST_NO": "C9", "FIRST_NM": "\\ud800"}]}', 400),
            (b'{"stream": "customers", "records": [{"CUST_NO": "C9\\u0000"}]}', 400),
            (b"[" * 10_000, 400),
        ],
        ids=["stream-not-a-name", "records-not-objects", "nan", "overflowing-number", "surrogate", "nul", "nesting"],
    )
    def test_bad_signed_pushes_are_refused_and_write_nothing(
        self, anonymous, systems, raw, status, django_capture_on_commit_callbacks
    ):
        before = rows_in_database()
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_raw_post(anonymous, "crm", raw)
        assert_tmf_error(response, status)
        assert rows_in_database() == before

    def test_an_oversized_push_is_a_413(self, anonymous, systems, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
        records = [{"CUST_NO": f"C{n}", "FIRST_NM": "Eve" * 50} for n in range(30)]
        before = rows_in_database()
        assert_tmf_error(signed_post(anonymous, "crm", {"stream": "customers", "records": records}), 413)
        assert rows_in_database() == before

    def test_a_signed_body_that_is_not_json_is_a_400(self, anonymous, systems):
        raw = b"{not json"
        response = anonymous.generic(
            "POST",
            EVENTS.format("crm"),
            raw,
            content_type="application/json",
            HTTP_X_SIGNATURE=timestamped_signature("push-secret", raw, int(time.time())),
        )
        assert_tmf_error(response, 400)


PUSH = {"stream": "customers", "records": [{"CUST_NO": "C9", "FIRST_NM": "Eve"}]}


def assert_refused_and_nothing_queued(response, callbacks) -> None:
    assert_tmf_error(response, 401)
    assert callbacks == [] and not SyncRun.objects.exists() and not Customer.objects.exists()


@pytest.mark.django_db
class TestPushSignatures:
    """Pushes are signed with a timestamp; old, future, replayed and old-style signatures are refused."""

    def test_a_push_signed_the_old_way_is_refused(self, anonymous, systems, django_capture_on_commit_callbacks):
        raw = json.dumps(PUSH).encode()
        with django_capture_on_commit_callbacks() as callbacks:
            response = signed_post(anonymous, "crm", PUSH, signature=signature_of("push-secret", raw))
        assert_refused_and_nothing_queued(response, callbacks)

    @pytest.mark.parametrize(
        "header",
        [
            "t=,v1=",
            "t=soon,v1={digest}",
            "v1={digest}",
            "t={now}",
            "t={now},v1=",
            "t=-{now},v1={digest}",
            "t=1{now},v1={digest}",
            "t=" + "9" * 5000 + ",v1={digest}",
            "t={now};v1={digest}",
        ],
    )
    def test_a_garbled_signature_is_refused(self, anonymous, systems, header, django_capture_on_commit_callbacks):
        now = int(time.time())
        digest = timestamped_signature("push-secret", json.dumps(PUSH).encode(), now).partition("v1=")[2]
        with django_capture_on_commit_callbacks() as callbacks:
            response = signed_post(anonymous, "crm", PUSH, signature=header.format(now=now, digest=digest))
        assert_refused_and_nothing_queued(response, callbacks)

    @pytest.mark.parametrize("age", [301, 3600, -301, -86400])
    def test_a_push_older_than_the_tolerance_or_from_the_future_is_refused(
        self, anonymous, systems, age, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            response = signed_post(anonymous, "crm", PUSH, at=time.time() - age)
        assert_refused_and_nothing_queued(response, callbacks)

    @pytest.mark.parametrize("age", [280, -280])
    def test_a_push_within_the_tolerance_is_accepted(self, anonymous, systems, age):
        assert signed_post(anonymous, "crm", PUSH, at=time.time() - age).status_code == 202

    def test_the_tolerance_is_a_setting(self, anonymous, systems, settings):
        settings.WEBHOOK_TOLERANCE_SECONDS = 10
        assert_tmf_error(signed_post(anonymous, "crm", PUSH, at=time.time() - 30), 401)
        assert signed_post(anonymous, "crm", PUSH, at=time.time() - 5).status_code == 202

    def test_a_replayed_push_is_refused_and_queues_nothing(
        self, anonymous, systems, django_capture_on_commit_callbacks
    ):
        raw = json.dumps(PUSH).encode()
        header = timestamped_signature("push-secret", raw, int(time.time()))
        assert signed_post(anonymous, "crm", PUSH, signature=header).status_code == 202
        with django_capture_on_commit_callbacks() as callbacks:
            replayed = signed_post(anonymous, "crm", PUSH, signature=header)
        assert_refused_and_nothing_queued(replayed, callbacks)
        # The same change signed afresh (a new timestamp) is a new push: the system may resend.
        assert signed_post(anonymous, "crm", PUSH, at=time.time() + 1).status_code == 202


@pytest.mark.django_db(transaction=True)
def test_the_simulator_pushes_changes_over_http(live_server, systems, simulator):
    """End to end: the simulator signs and POSTs its changes to a running Overlay, which applies them."""
    sync_stream(systems["crm"], "customers")
    simulator.control(
        "webhook", {"url": f"{live_server.url}/api/v1/backoffice/{{system}}/events", "secret": "push-secret"}
    )
    record = simulator.control("changes", {"system": "crm", "count": 1})["records"][0]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if ".new" in Customer.objects.get(links__external_id=record["CUST_NO"]).email:
            break
        time.sleep(0.05)
    assert Customer.objects.get(links__external_id=record["CUST_NO"]).email == record["EMAIL_ADDR"]
    assert SyncRun.objects.filter(kind="push", status="succeeded").exists()


@pytest.fixture
def demo_systems(db, simulator, monkeypatch):
    """The simulated systems as `make run` configures them, each with its own push secret."""
    from adapters.demo import configure_simulated_systems

    monkeypatch.setenv("SIMULATOR_API_KEY", API_KEY)
    systems = {system.code: system for system in configure_simulated_systems(simulator.url)}
    for code, system in systems.items():
        monkeypatch.setenv(system.webhook_secret_ref, f"{code}-push-secret")
    return systems


@pytest.mark.django_db
def test_a_demo_system_cannot_push_as_another(anonymous, demo_systems):
    from adapters.registry import adapter_class

    for code, system in demo_systems.items():
        body = {"stream": next(iter(adapter_class(system.adapter).streams)), "records": []}
        for other in demo_systems:
            if other != code:
                assert_tmf_error(signed_post(anonymous, code, body, secret=f"{other}-push-secret"), 401)
        assert signed_post(anonymous, code, body, secret=f"{code}-push-secret").status_code == 202


@pytest.mark.django_db(transaction=True)
def test_the_simulator_signs_each_systems_pushes_with_its_own_secret(live_server, simulator, demo_systems):
    sync_stream(demo_systems["crm"], "customers")
    sync_stream(demo_systems["fixed"], "lines")
    secrets = {code: f"{code}-push-secret" for code in demo_systems}
    simulator.control("webhook", {"url": f"{live_server.url}/api/v1/backoffice/{{system}}/events", "secrets": secrets})
    simulator.control("changes", {"system": "crm", "count": 1})
    simulator.control("changes", {"system": "fixed", "count": 1})
    deadline = time.monotonic() + 10
    pushed = SyncRun.objects.filter(kind="push", status="succeeded")
    while set(pushed.values_list("system__code", flat=True)) != {"crm", "fixed"} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(pushed.values_list("system__code", flat=True)) == {"crm", "fixed"}


@pytest.mark.django_db
class TestSyncRunsApi:
    URL = "/api/v1/sync-runs"

    def test_operators_list_runs(self, make_client, systems):
        sync_stream(systems["crm"], "customers", max_pages=1)
        sync_stream(systems["logistics"], "shipments")
        client = make_client("web", ("sync:read",))
        response = client.get(self.URL, {"system": "crm"})
        assert response.status_code == 200 and response["X-Total-Count"] == "1"
        run = response.json()[0]
        assert (run["system"], run["stream"], run["status"], run["created"]) == ("crm", "customers", "succeeded", 50)
        assert run["startedAt"].endswith("Z")
        assert client.get(self.URL, {"status": "failed"}).json() == []

    def test_who_may_see_runs(self, anonymous, web, staff_client, systems):
        assert_tmf_error(anonymous.get(self.URL), 401)
        assert_tmf_error(web.get(self.URL), 403)
        assert_tmf_error(staff_client("agent").get(self.URL), 403)
        assert staff_client("supervisor").get(self.URL).status_code == 200

    @pytest.mark.parametrize(
        "query", [{"limit": "-1"}, {"offset": "x"}, {"limit": "100000"}, {"offset": str(10**29)}, {"offset": "1e3"}]
    )
    def test_bad_paging_is_a_400(self, make_client, systems, query):
        assert_tmf_error(make_client("web", ("sync:read",)).get(self.URL, query), 400)

    def test_query_count_is_constant(self, make_client, systems, django_assert_num_queries):
        client = make_client("web", ("sync:read",))
        sync_stream(systems["partner"], "offerings")
        client.get(self.URL)
        with django_assert_num_queries(2):
            client.get(self.URL)
        for _ in range(5):
            sync_stream(systems["partner"], "offerings")
        with django_assert_num_queries(2):
            client.get(self.URL)


@pytest.mark.django_db
def test_sync_command(systems, capsys):
    call_command("sync", "crm")
    assert "crm/customers: succeeded - fetched 200, created 200" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No back-office system"):
        call_command("sync", "nope")


@pytest.mark.django_db
def test_scheduled_pulls_start_only_what_is_due(systems):
    from adapters.tasks import sync_due_systems

    for system in systems.values():
        system.sync_every_seconds = 3600
        system.save()
    started = sync_due_systems()  # tasks run eagerly without a broker
    assert set(started) == {
        "crm/customers",
        "crm/products",
        "mobile/subscriptions",
        "mobile/iot",
        "mobile/usage",
        "fixed/lines",
        "fixed/usage",
        "logistics/shipments",
        "partner/offerings",
        "partner/subscriptions",
        "partner/usage",
    }
    assert sync_due_systems() == []  # nothing is due again within the hour


@pytest.mark.django_db(transaction=True)
def test_a_sync_killed_mid_run_resumes_without_loss_or_duplicates(systems, simulator):
    """A real crash: `manage.py sync` is SIGKILLed between pages; the next run picks up from the cursor."""
    simulator.control("faults", {"system": "crm", "latency_ms": 120})
    crm = systems["crm"]
    crm.page_size = 10
    crm.save()
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sync", "crm"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while CustomerLink.objects.count() < 30 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    landed = CustomerLink.objects.count()
    assert 0 < landed < 200 and landed % 10 == 0  # whole pages only
    # Links (phase one) may be up to three pages ahead of the cursor and the accounts (phase two):
    # one page being written, one queued for the writer, one linked and waiting to be queued.
    stored = int(SyncCursor.objects.get(stream="customers").cursor[1:])
    assert landed - 30 <= stored <= landed and stored % 10 == 0
    assert BillingAccount.objects.count() == stored
    simulator.control("faults", {"system": "crm"})
    run = sync_stream(crm, "customers")
    assert (run.fetched, run.created, run.unchanged) == (200 - stored, 200 - landed, landed - stored)
    assert Customer.objects.count() == CustomerLink.objects.count() == BillingAccount.objects.count() == 200
