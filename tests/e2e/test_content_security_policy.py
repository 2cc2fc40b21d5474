"""Chromium under Overlay's Content-Security-Policy: the admin, the agent console and Swagger UI still work.

Every page is loaded and its scripts run (the console's inline one included, allowed by its hash), the
360° page with its usage charts (inline SVG); any violation the browser reports fails the test.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories.catalog import OfferingFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.factories.usage import MetricFactory, ingest, usage_price
from usage.periods import at_midnight, period_of
from usage.records import UsageRecordIn

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_admin_console_and_swagger_ui_work_under_the_policy(live_server, browser):
    get_user_model().objects.create_superuser("root", password="root-pass-123")
    customer = CustomerFactory()
    offering = OfferingFactory(name="Mobile Flex")
    usage_price(offering, MetricFactory(code="data", unit="MB"), included=100, tiers=[(0, None, "0.01")])
    line = HeldProductFactory(customer=customer, offering=offering)
    start = at_midnight(period_of(timezone.now(), 1)[0])
    ingest([UsageRecordIn("U1", line.external_id, "data", Decimal(150), start)])
    page = browser.new_page()
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-pass-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    for path in [
        "/admin/customers/customer/",
        f"/admin/customers/customer/{customer.pk}/change/",
        "/admin/auth/user/add/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("#content")
    page.goto(f"{live_server.url}/admin/console/")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("/")  # the console's inline script focuses the search box
    assert page.evaluate("document.activeElement.id") == "q"
    page.goto(f"{live_server.url}/admin/console/{customer.pk}/")
    page.wait_for_selector("#products")
    assert page.locator("#usage svg.usage-chart rect.bar").count() == 1
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary", timeout=15_000)  # Swagger UI rendered the operations
    assert violations == []
