"""Chromium under Overlay's Content-Security-Policy: the admin, the agent console and Swagger UI still work.

Every page is loaded and its scripts run (the console's inline one included, allowed by its hash);
any violation the browser reports fails the test.
"""

import pytest
from django.contrib.auth import get_user_model

from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_admin_console_and_swagger_ui_work_under_the_policy(live_server, browser):
    get_user_model().objects.create_superuser("root", password="root-pass-123")
    customer = CustomerFactory()
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
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary", timeout=15_000)  # Swagger UI rendered the operations
    assert violations == []
