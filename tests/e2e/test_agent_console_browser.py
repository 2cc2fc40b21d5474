"""Headless Chromium: an agent logs in, searches a phone written with spaces, opens the 360°."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from adapters.contracts import HeldProductRecord, PartyRecord
from customers.imports import held_products_import, parties_import
from customers.models import Interaction
from overlay.services import roles_ensure
from tests.factories.customers import person

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_an_agent_finds_a_customer_by_phone_and_sees_products_from_two_systems(live_server, browser, tmp_path):
    roles_ensure()
    agent = get_user_model().objects.create_user("alex", password="agent-pass-123", is_staff=True)
    agent.groups.add(Group.objects.get(name="agent"))
    parties_import("crm", [person(1, "Koen", "Bakker"), person(2, "Anna", "de Vries")])
    holder = PartyRecord("holder:SUB-1", phone="+31612345678", account_refs=("A1",))
    held_products_import("mobile", [HeldProductRecord("SUB-1", holder=holder, name="Mobile M 50 GB")])
    line = HeldProductRecord(
        "FL1", holder=PartyRecord("subscriber:FL1", email="koen.1@example.net"), name="Fibre 500 Mbps"
    )
    held_products_import("fixed", [line])

    page = browser.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "alex")
    page.fill("#id_password", "agent-pass-123")
    page.click("input[type=submit]")
    page.click("text=Agent console")
    page.fill("#q", "06 1234 5678")  # the MSISDN of the subscription, written with spaces
    page.keyboard.press("Enter")
    page.wait_for_selector("#results")
    assert page.locator("a.console-hit").all_inner_texts() == ["Koen Bakker"]
    page.click("a.console-hit")
    page.wait_for_selector("#products")
    systems = page.locator("#products h3.system").all_inner_texts()
    products = page.locator("#products li.product").all_inner_texts()
    page.screenshot(
        path=str(Path(os.environ.get("OVERLAY_SCREENSHOTS", tmp_path)) / "agent-console-360.png"), full_page=True
    )
    assert sorted(systems) == ["fixed", "mobile"]
    assert any("Mobile M 50 GB" in p for p in products) and any("Fibre 500 Mbps" in p for p in products)
    assert Interaction.objects.filter(kind="view_360", actor="agent:alex").count() == 1
