"""The request sequence of TM Forum's TMF620 v4 conformance kit, replayed with its assertions.

For each resource the kit creates one, lists, retrieves, selects each mandatory attribute with
``fields=``, filters by each attribute using the values it was given back, patches and deletes (offerings
and prices), and expects 404 for unknown and deleted ids. Each instance must carry href, id, lastUpdate,
lifecycleStatus and name as strings; an offering that is no bundle its productSpecification, a bundle its
bundledProductOffering. The catalog listed is what the back-office and partner catalogs import.
"""

import pytest

from adapters.builtin.simulated import CrmAdapter, PartnerCatalogAdapter
from adapters.simulator import data
from catalog.services import offerings_import
from tests.conformance import Kit, check_listing, create, replay
from tests.factories.catalog import MemberFactory, SpecificationFactory

BASE = "/tmf-api/productCatalogManagement/v4/"
MANDATORY = ("href", "id", "lastUpdate", "lifecycleStatus", "name")


def bundled(attribute: str, otherwise: tuple[str, ...] = ()):
    return lambda instance: (attribute,) if instance.get("isBundle") is True else otherwise


KITS = {
    "productSpecification": Kit(
        BASE + "productSpecification",
        MANDATORY,
        strings=MANDATORY,
        selected=MANDATORY,
        filtered=MANDATORY[1:],
        unknown_id="279edf2b-0130-4c8f-8277-f81daa05d87d",
        also=bundled("bundledProductSpecification"),
    ),
    "productOffering": Kit(
        BASE + "productOffering",
        MANDATORY,
        strings=MANDATORY,
        selected=MANDATORY,
        filtered=MANDATORY[1:],
        unknown_id="1ab18f13-2bd2-434d-9788-4b72ec11fe8a",
        also=bundled("bundledProductOffering", ("productSpecification",)),
    ),
    "productOfferingPrice": Kit(
        BASE + "productOfferingPrice",
        MANDATORY,
        strings=(*MANDATORY, "priceType"),
        selected=(*MANDATORY, "priceType"),
        filtered=(*MANDATORY[1:], "priceType"),
        unknown_id="4c0edace-c19b-4c07-a7c4-0dd2fd046288",
        also=bundled("bundledPopRelationship"),
    ),
}
PATCHES = {"productOffering": {"name": "anotherProductOffering"}, "productOfferingPrice": {"name": "Renamed"}}


@pytest.fixture
def imported_catalog(db):
    """The billing system's tariff table and the partner catalog, as their adapters map them; a bundle."""
    crm, partner = CrmAdapter.__new__(CrmAdapter), PartnerCatalogAdapter.__new__(PartnerCatalogAdapter)
    offerings_import("crm", [crm.map_record("products", data.crm_product(42, n)) for n in range(13)])
    offerings_import("partner", [partner.map_record("offerings", data.partner_offering(42, n)) for n in range(5)])
    MemberFactory(member__specification=SpecificationFactory())


def payload(resource: str) -> dict:
    """The kit's config.json payloads; the offering's specification pointed at one that exists."""
    if resource == "productSpecification":
        return {"name": "Cisco Firepower NGFW"}
    if resource == "productOfferingPrice":
        return {"name": "Recurring Charge for Business Firewall", "isBundle": False, "priceType": "recurring"}
    spec = SpecificationFactory()
    reference = {"id": spec.pk, "href": f"https://x/productSpecification/{spec.pk}", "name": spec.name}
    return {"name": "aProductOffering", "productSpecification": {**reference, "version": "1.1"}}


@pytest.mark.django_db
@pytest.mark.parametrize("resource", list(KITS))
def test_conformance_kit_sequence(manager, imported_catalog, resource):
    kit = KITS[resource]
    created = create(kit, manager, payload(resource))
    replay(kit, manager, [created])
    if resource in PATCHES:
        url = f"{kit.path}/{created['id']}"
        patched = manager.patch(url, PATCHES[resource], format="json")
        assert patched.status_code == 200 and patched.json()["name"] == PATCHES[resource]["name"]
        assert manager.delete(url).status_code == 204
        assert manager.get(url).status_code == 404


@pytest.mark.django_db
def test_every_imported_offering_that_is_no_bundle_names_its_specification(manager, imported_catalog):
    """Regression: the partner's offerings had none (the kit's 4 failures); each service now is one."""
    listed = check_listing(KITS["productOffering"], manager.get(BASE + "productOffering", {"limit": 1000}))
    assert {o["name"] for o in listed} >= {"StreamMax Basic", "MusicBox Unlimited", "Mobile M 50 GB"}
