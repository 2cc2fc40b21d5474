"""Production settings come from the environment, on by default when DEBUG is off; every response has a CSP.

``manage.py check --deploy`` runs in a fresh process (settings are read at start-up) with the
environment a production deployment sets. The Content-Security-Policy is checked on the API, the
admin, the agent console and Swagger UI here, and in Chromium by tests/e2e/test_content_security_policy.py.
"""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.factories.customers import CustomerFactory
from tests.factories.users import console
from tests.fixtures.simulator import ROOT

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "overlay.settings",
    "DEBUG": "0",
    "SECRET_KEY": "k3Jv9-production-like-secret-of-fifty-characters-or-more-x7Qp",
    "ALLOWED_HOSTS": "overlay.example.com",
    "SECURE_HSTS_PRELOAD": "1",
}
SECURITY_VARIABLES = (
    "HTTPS_ONLY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def setting(name: str, **env: str) -> str:
    result = manage("shell", "-v0", "-c", f"from django.conf import settings; print(settings.{name})", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_check_deploy_is_clean_with_the_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_only_is_the_default_without_debug_and_each_setting_can_be_changed():
    assert setting("SECURE_SSL_REDIRECT", **PRODUCTION) == "True"
    assert setting("SESSION_COOKIE_SECURE", **PRODUCTION) == "True"
    assert setting("CSRF_COOKIE_SECURE", **PRODUCTION) == "True"
    assert setting("SECURE_HSTS_SECONDS", **PRODUCTION) == str(365 * 24 * 3600)
    assert setting("SECURE_HSTS_SECONDS", **PRODUCTION, SECURE_HSTS_SECONDS="600") == "600"
    assert setting("SECURE_SSL_REDIRECT", **PRODUCTION, SECURE_SSL_REDIRECT="0") == "False"
    proxy = setting("SECURE_PROXY_SSL_HEADER", **PRODUCTION, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")
    assert proxy == "('HTTP_X_FORWARDED_PROTO', 'https')"
    # The demo over plain http (`make run`), and a developer's DEBUG, keep http working.
    assert setting("SECURE_SSL_REDIRECT", **PRODUCTION, HTTPS_ONLY="0") == "False"
    assert setting("SESSION_COOKIE_SECURE", **PRODUCTION, HTTPS_ONLY="0") == "False"
    assert setting("SECURE_SSL_REDIRECT", DEBUG="1", SECRET_KEY="x") == "False"


def test_production_redirects_plain_http_and_sends_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    response = client.get("/tmf-api/productCatalogManagement/v4/productOffering")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/admin/login/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=3600")


def csp_of(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/tmf-api/productCatalogManagement/v4/productOffering",  # 401 without a token
        "/tmf-api/nowhere",  # the API's 404
        "/admin/login/",
        "/api/docs/",
        "/api/docs/?script=",
        "/api/schema/",
    ],
)
def test_every_response_has_a_strict_content_security_policy(client, path):
    policy = csp_of(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


@pytest.mark.django_db
def test_the_console_and_the_admin_have_the_policy_and_the_console_script_is_allowed_by_hash():
    agent = console("supervisor")
    page = agent.get(reverse("admin:customer-console"))
    assert page.status_code == 200
    assert any(source.startswith("'sha256-") for source in csp_of(page)["script-src"])
    assert "Content-Security-Policy" in agent.get(reverse("admin:index"))
    assert "Content-Security-Policy" in agent.get(
        reverse("admin:customer-console-customer", args=[CustomerFactory().pk])
    )


def test_the_docs_page_has_no_inline_script(client, db):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html and "?script=" in html
