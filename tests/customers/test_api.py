"""TMF629 customer, TMF632 individual, TMF637 product: the shared read contract, and who may see what."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, HeldProduct
from overlay.personal_data import mask_email, mask_phone
from overlay.services import api_client_revoke
from tests.factories.catalog import OfferingFactory, PriceFactory
from tests.factories.customers import (
    BillingAccountFactory,
    CustomerFactory,
    HeldProductFactory,
    LinkFactory,
    as_customer,
)
from tests.tmf import TMFResourceContract, assert_tmf_error

CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
INDIVIDUALS = "/tmf-api/party/v4/individual"
PRODUCTS = "/tmf-api/productInventory/v4/product"
TOKEN = "/api/v1/auth/customer-token"


class CustomersReader:
    @pytest.fixture
    def reader(self, make_client):
        return make_client("callcentre", ("customers:read",))

    @pytest.fixture
    def writer(self, make_client):
        return make_client("callcentre", ("customers:read", "customers:write"))


def make_customers(count: int, *, linked: bool = True, **extra) -> list:
    rows = []
    for _ in range(count):
        customer = CustomerFactory(**extra)
        BillingAccountFactory(customer=customer)
        if linked:
            LinkFactory(customer=customer)
        rows.append(customer)
    return rows


class TestCustomer(CustomersReader, TMFResourceContract):
    path = CUSTOMERS
    resource_type = "Customer"
    model = Customer
    list_queries = 4  # count, page, billing accounts, links
    detail_queries = 3
    selected_attributes = ("name", "status")
    name_attribute = ("status", "status")
    patch_body = {"status": "suspended"}
    invalid_bodies = [
        {},
        {"name": "x"},
        {"name": "x", "engagedParty": {}},
        {"name": "x", "engagedParty": {"id": "p"}, "status": "Bogus"},
        {"name": "x", "engagedParty": {"id": "p"}, "characteristic": [{"name": "shoeSize", "value": "42"}]},
    ]
    invalid_patch = {"status": "Bogus"}

    def make(self, count, channels):
        return make_customers(count)

    def create_body(self, channels):
        prospect = CustomerFactory(status="prospect")
        return {"name": "Prospect", "engagedParty": {"id": prospect.pk, "@referredType": "Individual"}}

    def filter_case(self, rows):
        return f"contactMedium.characteristic.emailAddress={rows[2].email}", {rows[2].pk}

    def test_quoted_name_filter_matches_exactly(self, reader, channels):
        rows = self.make(2, channels)
        response = reader.get(f'{self.path}?contactMedium.characteristic.emailAddress="{rows[1].email}"')
        assert [item["id"] for item in response.json()] == [rows[1].pk]

    def test_shape(self, reader, make_client, channels):
        customer = self.make(1, channels)[0]
        body = reader.get(f"{self.path}/{customer.pk}").json()
        assert body["engagedParty"]["@referredType"] == "Individual"
        assert body["engagedParty"]["href"].endswith(f"/tmf-api/party/v4/individual/{customer.pk}")
        media = {m["mediumType"]: m["characteristic"] for m in body["contactMedium"]}
        # customers:read alone sees contact data masked; customers:pii in full.
        assert media["email"] == {"emailAddress": mask_email(customer.email)}
        assert media["mobile"] == {"phoneNumber": mask_phone(customer.phone)}
        entitled = make_client("callcentre", ("customers:read", "customers:pii"))
        media = {
            m["mediumType"]: m["characteristic"]
            for m in entitled.get(f"{self.path}/{customer.pk}").json()["contactMedium"]
        }
        assert media["email"] == {"emailAddress": customer.email} and media["mobile"] == {"phoneNumber": customer.phone}
        assert body["account"][0]["@referredType"] == "BillingAccount"

    def test_the_customer_role_of_a_party(self, writer, channels):
        prospect = CustomerFactory(status="prospect")
        assert_tmf_error(writer.get(f"{self.path}/{prospect.pk}"), 404)  # a prospect is not a customer yet
        body = {
            "name": "x",
            "engagedParty": {"id": prospect.pk},
            "characteristic": [{"name": "segment", "value": "youth"}],
        }
        created = writer.post(self.path, body, format="json").json()
        assert (created["id"], created["status"]) == (prospect.pk, "active")
        assert created["characteristic"] == [{"name": "segment", "valueType": "string", "value": "youth"}]
        assert_tmf_error(writer.post(self.path, body, format="json"), 409)
        assert_tmf_error(writer.post(self.path, {"name": "x", "engagedParty": {"id": "nobody"}}, format="json"), 422)

    def test_a_customer_holding_products_stays_one(self, writer, channels):
        product = HeldProductFactory(status="active")
        assert_tmf_error(writer.delete(f"{self.path}/{product.customer_id}"), 409)
        assert Customer.objects.get(pk=product.customer_id).status == "active"

    def test_contact_details_are_normalised_and_checked(self, writer, channels):
        customer = self.make(1, channels)[0]
        media = [
            {"mediumType": "email", "characteristic": {"emailAddress": " New@Example.NET "}},
            {"mediumType": "mobile", "characteristic": {"phoneNumber": "06 1111 2222"}},
        ]
        body = writer.patch(f"{self.path}/{customer.pk}", {"contactMedium": media}, format="json").json()
        found = {m["mediumType"]: m["characteristic"] for m in body["contactMedium"]}
        assert found["email"] == {"emailAddress": "n***@example.net"}  # the writer is not entitled to see them
        stored = Customer.objects.get(pk=customer.pk)
        assert (stored.email, stored.phone) == ("new@example.net", "+31611112222")
        bad = [{"mediumType": "mobile", "characteristic": {"phoneNumber": "call me"}}]
        assert_tmf_error(writer.patch(f"{self.path}/{customer.pk}", {"contactMedium": bad}, format="json"), 400)
        assert Customer.objects.get(pk=customer.pk).phone == "+31611112222"

    def test_agent_edits_are_recorded(self, staff_client, channels):
        from customers.models import Interaction

        customer = self.make(1, channels)[0]
        agent = staff_client("agent")
        assert agent.patch(f"{self.path}/{customer.pk}", {"status": "suspended"}, format="json").status_code == 200
        edit = Interaction.objects.get(customer=customer, kind="edit")
        assert (edit.actor, edit.channel, edit.summary) == ("agent:agent-user", "callcentre", "Changed status")


class TestIndividual(CustomersReader, TMFResourceContract):
    path = INDIVIDUALS
    resource_type = "Individual"
    model = Customer
    list_queries = 4
    detail_queries = 3
    selected_attributes = ("givenName", "familyName")
    name_attribute = ("familyName", "family_name")
    patch_body = {"givenName": "Changed"}
    invalid_bodies = [
        {},
        {"givenName": "Ann"},
        {"givenName": "Ann", "familyName": "Bos", "birthDate": "yesterday"},
        {"givenName": "Ann", "familyName": "Bos", "status": "Bogus"},
        {
            "givenName": "Ann",
            "familyName": "Bos",
            "contactMedium": [{"mediumType": "email", "characteristic": {"emailAddress": "nope"}}],
        },
    ]
    invalid_patch = {"givenName": "", "familyName": "x"}

    def make(self, count, channels):
        return make_customers(count, linked=False, status="prospect")

    def create_body(self, channels):
        return {"givenName": "Ann", "familyName": "Bos", "birthDate": "1990-05-17"}

    def filter_case(self, rows):
        return f"givenName={rows[1].given_name}", {rows[1].pk}

    def test_external_references_show_every_source_record(self, reader, channels):
        customer = self.make(1, channels)[0]
        LinkFactory(customer=customer, system="mobile", external_id="holder:SUB-1")
        refs = reader.get(f"{self.path}/{customer.pk}").json()["externalReference"]
        assert {(r["externalReferenceType"], r["name"]) for r in refs} >= {("mobile", "holder:SUB-1")}

    def test_status_follows_the_specs_words(self, writer, channels):
        created = writer.post(self.path, self.create_body(channels), format="json").json()
        assert created["status"] == "initialized"  # known to Overlay alone
        assert (
            writer.patch(f"{self.path}/{created['id']}", {"status": "deceaded"}, format="json").json()["status"]
            == "deceaded"
        )

    def test_a_party_held_by_a_back_office_system_cannot_be_deleted(self, writer, channels):
        linked = make_customers(1)[0]
        assert_tmf_error(writer.delete(f"{self.path}/{linked.pk}"), 409)
        assert Customer.objects.filter(pk=linked.pk).exists()


class TestOrganization(CustomersReader, TMFResourceContract):
    path = "/tmf-api/party/v4/organization"
    resource_type = "Organization"
    model = Customer
    list_queries = 4
    detail_queries = 3
    selected_attributes = ("tradingName", "status")
    name_attribute = ("tradingName", "organization_name")
    patch_body = {"tradingName": "Acme Holding"}
    invalid_bodies = [{}, {"tradingName": ""}, {"tradingName": "Acme", "status": "Bogus"}]
    invalid_patch = {"tradingName": ""}

    def make(self, count, channels):
        return [
            CustomerFactory(
                kind="organization", status="prospect", given_name="", family_name="", organization_name=f"Org {i}"
            )
            for i in range(count)
        ]

    def create_body(self, channels):
        return {
            "tradingName": "Acme",
            "contactMedium": [{"mediumType": "email", "characteristic": {"emailAddress": "info@acme.example"}}],
        }

    def filter_case(self, rows):
        return f'tradingName="{rows[0].organization_name}"', {rows[0].pk}


class TestProduct(CustomersReader, TMFResourceContract):
    path = PRODUCTS
    resource_type = "Product"
    model = HeldProduct
    # count; the page, with each product's offering and its holder's billing account; the offerings' prices
    # (the tariff of a product without an agreed price): one query more than before products knew them.
    list_queries = 3
    detail_queries = 2

    selected_attributes = ("name", "status")
    name_attribute = ("name", "name")
    patch_body = {"status": "suspended"}
    invalid_bodies = [
        {},
        {"name": ""},
        {"name": "x", "status": "Bogus"},
        {"name": "x", "startDate": "not a date"},
        {"name": "x", "productCharacteristic": [{"name": "a", "value": {"nested": 1}}]},
    ]
    invalid_patch = {"name": "", "status": "active"}

    def make(self, count, channels):
        # Products Overlay keeps itself (no back-office system knows them): these may be written.
        plans = [PriceFactory(name=f"Plan {n} monthly").offering for n in range(2)]
        return [HeldProductFactory(system="overlay", offering=plans[n % 2]) for n in range(count)]

    def create_body(self, channels):
        customer = CustomerFactory()
        return {
            "name": "Home alarm (installed by a partner)",
            "status": "active",
            "productSerialNumber": f"ALARM-{customer.pk[:6]}",
            "productCharacteristic": [{"name": "Installation address", "value": "Dam 1, 1012JS Amsterdam"}],
            "relatedParty": [{"id": customer.pk, "role": "customer"}],
            "startDate": "2026-11-01T00:00:00Z",
        }

    def filter_case(self, rows):
        return f"relatedParty.id={rows[3].customer_id}", {rows[3].pk}

    def test_products_of_back_office_systems_change_by_order_only(self, writer, channels):
        product = HeldProductFactory(system="mobile")
        error = assert_tmf_error(writer.patch(f"{self.path}/{product.pk}", {"status": "suspended"}, format="json"), 409)
        assert "product order" in error["message"]
        assert_tmf_error(writer.delete(f"{self.path}/{product.pk}"), 409)
        product.refresh_from_db()
        assert product.status == "active"

    def test_the_holder_must_be_a_known_customer(self, writer, channels):
        body = {**self.create_body(channels), "relatedParty": [{"id": "nobody", "role": "customer"}]}
        assert_tmf_error(writer.post(self.path, body, format="json"), 422)
        body.pop("relatedParty")
        assert_tmf_error(writer.post(self.path, body, format="json"), 422)
        assert not HeldProduct.objects.exists()

    def test_a_serial_number_is_unique(self, writer, channels):
        body = self.create_body(channels)
        assert writer.post(self.path, body, format="json").status_code == 201
        assert_tmf_error(writer.post(self.path, body, format="json"), 409)
        assert HeldProduct.objects.count() == 1

    def test_termination_before_start_is_refused(self, writer, channels):
        body = {**self.create_body(channels), "terminationDate": "2026-01-01T00:00:00Z"}
        assert_tmf_error(writer.post(self.path, body, format="json"), 400)
        assert not HeldProduct.objects.exists()

    def test_shape(self, reader, make_client, channels):
        product = self.make(1, channels)[0]
        body = reader.get(f"{self.path}/{product.pk}").json()
        msisdn = product.characteristics["MSISDN"]
        assert body["productCharacteristic"] == [{"name": "MSISDN", "valueType": "string", "value": mask_phone(msisdn)}]
        entitled = make_client("callcentre", ("customers:read", "customers:pii"))
        assert entitled.get(f"{self.path}/{product.pk}").json()["productCharacteristic"][0]["value"] == msisdn
        assert body["relatedParty"][0] == {
            "id": product.customer_id,
            "href": f"http://testserver{CUSTOMERS}/{product.customer_id}",
            "role": "customer",
            "@referredType": "Customer",
        }


# --- what a product is and costs: TMF637's kit expects both of every product ----------------------
KIT_ATTRIBUTES = {"billingAccount", "productCharacteristic", "productOffering", "productPrice", "relatedParty"}


@pytest.fixture
def plan(db):
    """An offering as a tariff table gives it: monthly fee, activation, a price for one configuration only."""
    offering = OfferingFactory(name="Mobile M 50 GB")
    PriceFactory(offering=offering, name="Mobile M monthly fee", amount=Decimal("25.00"), tax_rate=Decimal("21"))
    PriceFactory(
        offering=offering, name="SIM activation", price_type="oneTime", recurring_period="", amount=Decimal("10")
    )
    PriceFactory(offering=offering, name="eSIM surcharge", amount=Decimal("1"), char_name="SIM type", char_value="eSIM")
    PriceFactory(offering=offering, name="Loyalty", price_type="discount", amount=None, percentage=Decimal("10"))
    PriceFactory(offering=offering, name="Old fee", amount=Decimal("20"), lifecycle_status="Retired")
    return offering


@pytest.mark.django_db
class TestProductPriceAndOffering:
    def test_an_imported_product_costs_its_tariff_and_is_billed_to_its_holders_account(self, plan, make_client):
        reader = make_client("web", ("customers:read",))
        holder = CustomerFactory()
        BillingAccountFactory(customer=holder, external_id="A0001")
        product = HeldProductFactory(customer=holder, system="fixed", offering=plan, characteristics={"Speed": "100"})
        body = reader.get(f"{PRODUCTS}/{product.pk}").json()
        assert KIT_ATTRIBUTES | {"status"} <= set(body)
        assert body["productOffering"] == {
            "id": plan.pk,
            "href": f"http://testserver/tmf-api/productCatalogManagement/v4/productOffering/{plan.pk}",
            "name": "Mobile M 50 GB",
            "@referredType": "ProductOffering",
        }
        # In force, charged, and for its configuration: no discount, no retired fee, no eSIM surcharge.
        prices = {p["name"]: (p["priceType"], p["price"]) for p in body["productPrice"]}
        assert prices == {
            "Mobile M monthly fee": ("recurring", {"dutyFreeAmount": {"unit": "EUR", "value": 25}, "taxRate": 21}),
            "SIM activation": ("oneTime", {"dutyFreeAmount": {"unit": "EUR", "value": 10}, "taxRate": 0}),
        }
        assert body["productPrice"][0]["productOfferingPrice"]["id"] in {p.pk for p in plan.prices.all()}
        assert body["billingAccount"] == {"id": "A0001", "name": "A0001", "@referredType": "BillingAccount"}

    def test_a_product_billed_to_an_account_of_its_own_says_so(self, plan, make_client):
        reader = make_client("web", ("customers:read",))
        BillingAccountFactory(customer=(holder := CustomerFactory()), external_id="A0001")
        product = HeldProductFactory(customer=holder, offering=plan, billing_account_ref="A0002")
        assert reader.get(f"{PRODUCTS}/{product.pk}").json()["billingAccount"]["id"] == "A0002"

    def test_an_agreed_price_is_shown_instead_of_the_tariff(self, plan, make_client):
        reader = make_client("web", ("customers:read",))
        agreed = {
            **{"price_id": "p1", "offering_id": plan.pk, "name": "Mobile M monthly fee", "price_type": "recurring"},
            **{"period": "month", "unit_of_measure": "", "currency": "EUR", "amount": "20.00", "tax_rate": "21"},
            **{"tax_amount": "4.20", "total": "24.20"},
            "alterations": [{"name": "Youth", "reason": "campaign: 20% off", "amount": "-5.00"}],
        }
        product = HeldProductFactory(offering=plan, price=[agreed])
        (price,) = reader.get(f"{PRODUCTS}/{product.pk}").json()["productPrice"]
        assert price["price"] == {
            "dutyFreeAmount": {"unit": "EUR", "value": 20},
            "taxIncludedAmount": {"unit": "EUR", "value": 24.2},
            "taxRate": 21,
        }
        assert price["productPriceAlteration"][0]["price"]["dutyFreeAmount"]["value"] == -5
        assert price["recurringChargePeriod"] == "month" and price["productOfferingPrice"]["id"] == "p1"

    def test_what_is_not_known_is_left_out_and_lists_stay_lists(self, make_client):
        reader = make_client("web", ("customers:read",))
        product = HeldProductFactory(characteristics={})
        body = reader.get(f"{PRODUCTS}/{product.pk}").json()
        assert "productOffering" not in body and "billingAccount" not in body
        assert (body["productPrice"], body["productCharacteristic"]) == ([], [])

    def test_products_are_found_by_offering(self, plan, make_client):
        reader = make_client("web", ("customers:read",))
        mine = HeldProductFactory(offering=plan)
        HeldProductFactory(offering=OfferingFactory())
        assert [p["id"] for p in reader.get(PRODUCTS, {"productOffering.id": plan.pk}).json()] == [mine.pk]

    def test_a_recorded_product_names_an_offering_the_catalog_has(self, plan, make_client):
        writer = make_client("callcentre", ("customers:read", "customers:write"))
        holder = CustomerFactory()
        body = {"name": "Mobile M", "relatedParty": [{"id": holder.pk}], "productOffering": {"id": plan.pk}}
        created = writer.post(PRODUCTS, body, format="json")
        assert created.status_code == 201, created.content
        assert created.json()["productOffering"]["id"] == plan.pk
        assert [p["name"] for p in created.json()["productPrice"]] == ["Mobile M monthly fee", "SIM activation"]
        unknown = {**body, "productOffering": {"id": "nothing"}}
        error = assert_tmf_error(writer.post(PRODUCTS, unknown, format="json"), 422)
        assert error["message"].startswith("productOffering:")
        product_id = created.json()["id"]
        assert_tmf_error(writer.patch(f"{PRODUCTS}/{product_id}", {"productOffering": {"id": "x"}}, format="json"), 422)
        assert HeldProduct.objects.get().offering_id == plan.pk

    def test_an_offering_customers_hold_cannot_be_deleted(self, plan, manager):
        HeldProductFactory(offering=plan)
        url = f"/tmf-api/productCatalogManagement/v4/productOffering/{plan.pk}"
        assert_tmf_error(manager.delete(url), 409)
        assert manager.get(url).status_code == 200


# --- customer tokens: a customer reaches only their own data ---------------------------------
@pytest.fixture
def signing_app(make_client):
    return make_client("web", ("customers:token",))


@pytest.mark.django_db
class TestCustomerTokens:
    def test_a_customer_sees_only_their_own_records(self, signing_app):
        mine, theirs = HeldProductFactory(), HeldProductFactory()
        me = as_customer(signing_app, mine.customer)
        assert [c["id"] for c in me.get(CUSTOMERS).json()] == [mine.customer_id]
        assert [i["id"] for i in me.get(INDIVIDUALS).json()] == [mine.customer_id]
        assert [p["id"] for p in me.get(PRODUCTS).json()] == [mine.pk]
        assert me.get(PRODUCTS, {"relatedParty.id": theirs.customer_id}).json() == []
        for url in (
            f"{CUSTOMERS}/{theirs.customer_id}",
            f"{INDIVIDUALS}/{theirs.customer_id}",
            f"{PRODUCTS}/{theirs.pk}",
        ):
            assert_tmf_error(me.get(url), 404)

    def test_a_customer_cannot_change_the_catalog_read_sync_runs_or_register_listeners(self, signing_app):
        me = as_customer(signing_app, CustomerFactory())
        assert_tmf_error(me.post("/tmf-api/productCatalogManagement/v4/category", {"name": "x"}, format="json"), 403)
        assert_tmf_error(me.get("/api/v1/sync-runs"), 403)
        hub = "/tmf-api/customerManagement/v4/hub"
        assert_tmf_error(me.post(hub, {"callback": "https://a.example/"}, format="json"), 403)
        assert_tmf_error(me.post(TOKEN, {"customer": {"id": "x"}}, format="json"), 403)

    def test_the_customer_browses_the_catalog_of_the_issuing_channel(self, signing_app, channels):
        from tests.factories.catalog import OfferingFactory

        web_offer = OfferingFactory(channels=[channels["web"]])
        OfferingFactory(channels=[channels["store"]])
        me = as_customer(signing_app, CustomerFactory())
        listed = me.get("/tmf-api/productCatalogManagement/v4/productOffering").json()
        assert [o["id"] for o in listed] == [web_offer.pk]

    def test_tampered_expired_and_orphaned_tokens_are_refused(self, signing_app, settings):
        customer = CustomerFactory()
        me = as_customer(signing_app, customer)
        token = me._credentials["HTTP_AUTHORIZATION"].split()[1]
        forged = APIClient()
        forged.credentials(HTTP_AUTHORIZATION=f"Bearer {token[:-4]}abcd")
        assert_tmf_error(forged.get(CUSTOMERS), 401)
        settings.CUSTOMER_TOKEN_SECONDS = -1
        assert_tmf_error(me.get(CUSTOMERS), 401)
        settings.CUSTOMER_TOKEN_SECONDS = 3600
        assert me.get(CUSTOMERS).status_code == 200
        api_client_revoke(signing_app.api_client)
        assert_tmf_error(me.get(CUSTOMERS), 401)

    @pytest.mark.parametrize(
        "body,status", [({}, 400), ({"customer": {}}, 400), ({"customer": {"id": "nobody"}}, 422), ([], 400)]
    )
    def test_bad_token_requests(self, signing_app, body, status):
        assert_tmf_error(signing_app.post(TOKEN, body, format="json"), status)

    def test_only_trusted_applications_issue_tokens(self, anonymous, web):
        customer = CustomerFactory()
        assert_tmf_error(anonymous.post(TOKEN, {"customer": {"id": customer.pk}}, format="json"), 401)
        assert_tmf_error(web.post(TOKEN, {"customer": {"id": customer.pk}}, format="json"), 403)


@pytest.mark.django_db
class TestWhoSeesCustomers:
    def test_applications_need_the_scope(self, web):
        CustomerFactory()
        assert_tmf_error(web.get(CUSTOMERS), 403)
        assert_tmf_error(web.get(PRODUCTS), 403)

    def test_agents_and_supervisors_see_customers(self, staff_client):
        CustomerFactory()
        for role in ("agent", "supervisor"):
            assert len(staff_client(role).get(CUSTOMERS).json()) == 1

    def test_catalog_managers_do_not(self, staff_client):
        CustomerFactory()
        assert_tmf_error(staff_client("catalog_manager").get(CUSTOMERS), 403)
