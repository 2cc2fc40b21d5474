"""`make run`'s set-up, for real: SQLite, no broker, the simulator, the demo synced through the adapters.

The rest of the suite runs on PostgreSQL; this is the embedded mode's own check
(the ORM fallbacks of the bulk writes only run here).
"""

import os
import subprocess
import sys

import pytest

from tests.fixtures.simulator import API_KEY, ROOT, Simulator

pytestmark = pytest.mark.e2e

ORDER_SCRIPT = """
from django.db import transaction
from catalog.models import ProductOffering
from customers.models import Customer
from orchestration.models import ProductOrder
from orchestration.services import OrderItemInput, order_create

phone = ProductOffering.objects.get(name="Aurora X")
plan = ProductOffering.objects.get(name="Mobile M 50 GB")
with transaction.atomic():
    order = order_create(
        customer_id=Customer.objects.first().pk, channel="web", created_by="e2e", total_price=[],
        items=[OrderItemInput("1", "add", phone.pk, phone.name, 1), OrderItemInput("2", "add", plan.pk, plan.name, 1)],
    )
order = ProductOrder.objects.get(pk=order.pk)
done = order.tasks.order_by("finished_at")
print(order.state, *[f"{t.system}:{t.task}" for t in done])
"""

SEARCH_SCRIPT = """
from django.contrib.auth.models import User
from customers.models import Customer
from customers.search import CustomerSearch, customer_search
from overlay.principal import Principal

agent = Principal("e2e", "callcentre", User(is_superuser=True, is_staff=True, is_active=True))
wanted = Customer.objects.exclude(family_name="").order_by("pk").first()
mistyped = f"{wanted.given_name} {wanted.family_name[:-1]}".lower()
stage, hits = customer_search(agent, CustomerSearch(mistyped))
print(stage, wanted.pk in [h.customer.pk for h in hits], hits[0].score if hits else 0)
"""
ARTICLE_SCRIPT = """
from knowledge.search import ArticleSearch, article_search
from knowledge.selectors import articles_visible
from overlay.principal import ClientUser, principal_for

app = principal_for(ClientUser(0, "e2e", "web", frozenset()))
found = article_search(articles_visible(app), ArticleSearch("no internt fibre"))
print(found.stage, found.hits[0].article.title.replace(" ", "_"))
"""

USAGE_SCRIPT = """
from customers.models import HeldProduct
from usage.models import Consumption

metered = HeldProduct.objects.filter(system__in=("mobile", "fixed", "partner"))
print(
    metered.exclude(pk__in=Consumption.objects.values("product_id")).count(),
    Consumption.objects.filter(dirty=True).count(),
    Consumption.objects.filter(amount__gt=0).count(),
)
"""


def test_the_embedded_demo_syncs_on_sqlite(tmp_path):
    simulator = Simulator(tmp_path, customers=60)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'overlay.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "overlay.settings",
        "SECRET_KEY": "e2e-only",
        "CELERY_BROKER_URL": "",
        "SIMULATOR_API_KEY": API_KEY,
        "SIMULATOR_WEBHOOK_SECRET": "e2e-push",
    }

    def manage(*args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    try:
        manage("migrate", "--no-input", "-v0")
        assert "Demo catalog loaded." in manage("load_demo", "--simulator-url", simulator.url)
        output = manage("sync")
        assert "crm/customers: succeeded - fetched 60, created 60" in output
        assert "mobile/subscriptions: succeeded" in output and "quarantined 0" in output
        simulator.control("changes", {"system": "crm", "count": 2})
        assert "crm/customers: succeeded - fetched 2" in manage("sync", "crm")
        counts = manage(
            "shell",
            "-v0",
            "-c",
            "from customers.models import Customer as C, HeldProduct as H; print(C.objects.count(), H.objects.count())",
        )
        customers, products = map(int, counts.split())
        # Subscriptions, lines, shipments, partner subscriptions and three businesses' fleets.
        assert customers >= 60 and products == 90 + 30 + 12 + 15 + 3
        # Every mobile, fixed and partner product has its usage imported and rated; the sync said what it
        # could not map (the simulator's records for products nobody holds).
        assert "mobile/usage: succeeded" in output and "fixed/usage: succeeded" in output
        assert "partner/usage: succeeded" in output
        usage = manage("shell", "-v0", "-c", USAGE_SCRIPT).split()
        assert usage[0] == "0" and usage[1] == "0" and int(usage[2]) > 0, usage
        # Without a broker, an order is fulfilled in-process through the simulator, phone before SIM.
        order = manage("shell", "-v0", "-c", ORDER_SCRIPT).split()
        assert order[0] == "completed", order
        assert order[1:] == ["logistics:ship_device", "mobile:activate_sim", "crm:add_billing"]
        assert "orders: 0" in manage("orchestrate", "--once", "-v2")
        # A mistyped name finds the customer, as on PostgreSQL (trigram similarity on SQLite too).
        stage, found, score = manage("shell", "-v0", "-c", SEARCH_SCRIPT).split()
        assert (stage, found) == ("name", "True") and 0.3 <= float(score) < 1
        # A mistyped question finds its demo article, as on PostgreSQL.
        assert manage("shell", "-v0", "-c", ARTICLE_SCRIPT).split() == ["typos", "Fibre:_no_internet_connection"]
    finally:
        simulator.stop()
