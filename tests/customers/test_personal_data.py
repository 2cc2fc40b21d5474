"""Personal data is shown in full only to the person and to callers entitled to it (customers:pii).

Regression: an application with only customers:read listed every individual with unmasked
e-mail addresses, phone numbers and birth dates (TMF632, TMF629, also when filtering by
e-mail), and TMF637 showed each line's MSISDN.
"""

from datetime import date

import pytest

from overlay.personal_data import mask_email, mask_phone
from tests.factories.customers import CustomerFactory, HeldProductFactory, as_customer

pytestmark = pytest.mark.django_db
PARTY = "/tmf-api/party/v4/individual"
CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
PRODUCTS = "/tmf-api/productInventory/v4/product"


@pytest.fixture
def person():
    return CustomerFactory(
        email="daan.jansen@example.net",
        phone="+31612345678",
        birth_date=date(1990, 5, 17),
        street="Kerkstraat",
        house_number="12",
        postcode="1011AB",
        city="Amsterdam",
    )


def media_of(body: dict) -> dict:
    return {m["mediumType"]: m["characteristic"] for m in body["contactMedium"]}


def test_an_application_with_customers_read_sees_personal_data_masked(make_client, person):
    reader = make_client("web", ("customers:read",))
    for body in (
        reader.get(f"{PARTY}/{person.pk}").json(),
        reader.get(PARTY).json()[0],
        reader.get(PARTY, {"contactMedium.characteristic.emailAddress": person.email}).json()[0],
        reader.get(f"{CUSTOMERS}/{person.pk}").json(),
        reader.get(CUSTOMERS, {"contactMedium.characteristic.emailAddress": person.email}).json()[0],
    ):
        media = media_of(body)
        assert media["email"] == {"emailAddress": "d***@example.net"}
        assert media["mobile"] == {"phoneNumber": "+316******78"}
        assert media["postalAddress"] == {"street1": "***", "postCode": "1011AB", "city": "Amsterdam"}
        assert body.get("birthDate") in (None, "1990")  # individuals show the year only
        assert person.email not in str(body) and person.phone not in str(body) and "1990-05-17" not in str(body)


def test_callers_entitled_to_personal_data_and_the_person_themself_see_it_in_full(make_client, person):
    entitled = make_client("callcentre", ("customers:read", "customers:pii"))
    me = as_customer(make_client("web", ("customers:token",)), person)
    for client in (entitled, me):
        body = client.get(f"{PARTY}/{person.pk}").json()
        assert media_of(body)["email"] == {"emailAddress": person.email}
        assert media_of(body)["postalAddress"]["street1"] == "Kerkstraat 12"
        assert body["birthDate"] == "1990-05-17"


def test_a_product_identifier_is_personal_data(make_client):
    line = HeldProductFactory(characteristics={"MSISDN": "+31687654321", "ICCID": "8931000012345678901", "Plan": "M"})
    reader = make_client("web", ("customers:read",))
    values = {c["name"]: c["value"] for c in reader.get(f"{PRODUCTS}/{line.pk}").json()["productCharacteristic"]}
    assert values == {"MSISDN": mask_phone("+31687654321"), "ICCID": "***8901", "Plan": "M"}
    listed = reader.get(PRODUCTS).json()[0]["productCharacteristic"]
    assert "+31687654321" not in str(listed)
    entitled = make_client("web", ("customers:read", "customers:pii"))
    values = {c["name"]: c["value"] for c in entitled.get(f"{PRODUCTS}/{line.pk}").json()["productCharacteristic"]}
    assert values["MSISDN"] == "+31687654321"


def test_search_masks_as_before(make_client, person):
    found = make_client("callcentre", ("customers:read",)).get("/api/v1/customers/search", {"q": person.family_name})
    hit = found.json()["result"][0]
    assert hit["email"] == mask_email(person.email) and hit["birthDate"] == "1990"
