from datetime import date

import factory
from rest_framework.test import APIClient

from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct
from customers.records import AccountRecord, PartyRecord


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    given_name = factory.Sequence(lambda n: f"Given{n:03d}")
    family_name = factory.Sequence(lambda n: f"Family{n:03d}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    phone = factory.Sequence(lambda n: f"+316{n:08d}")
    postcode = "1011AB"
    segment = "consumer"


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerLink

    customer = factory.SubFactory(CustomerFactory)
    system = "crm"
    external_id = factory.Sequence(lambda n: f"C{n:08d}")
    linked_by = "new"
    source_hash = "x"


class BillingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingAccount

    customer = factory.SubFactory(CustomerFactory)
    system = "crm"
    external_id = factory.Sequence(lambda n: f"A{n:08d}")
    source_hash = "x"


class HeldProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HeldProduct

    customer = factory.SubFactory(CustomerFactory)
    system = "mobile"
    external_id = factory.Sequence(lambda n: f"SUB-{n}")
    name = factory.Sequence(lambda n: f"Mobile plan {n:03d}")
    characteristics = factory.Sequence(lambda n: {"MSISDN": f"+316{n:08d}"})
    source_hash = "x"


def person(number: int, given: str, family: str, **extra) -> PartyRecord:
    values = {
        "email": f"{given.lower()}.{number}@example.net",
        "phone": f"+316{number:08d}",
        "national_id": f"NID{number}",
        "birth_date": date(1980, 1, number % 28 + 1),
        "postcode": "1011AB",
        "segment": "consumer",
        "accounts": (AccountRecord(f"A{number}"),),
        "account_refs": (f"A{number}",),
        **extra,
    }
    return PartyRecord(f"C{number}", given_name=given, family_name=family, **values)


TOKEN = "/api/v1/auth/customer-token"


def as_customer(signing_app, customer) -> APIClient:
    response = signing_app.post(TOKEN, {"customer": {"id": customer.pk}}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["token"].startswith("ovc_") and response.json()["expiresAt"].endswith("Z")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client
