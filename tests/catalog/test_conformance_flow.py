"""The request sequence of TM Forum's TMF620 v4 conformance kit, replayed with its assertions.

For each resource the kit creates one, lists, retrieves, selects each mandatory
attribute with ``fields=``, filters by each attribute using the values it was
given back, patches, deletes, and expects 404 for unknown ids. Each returned
instance must carry href, id, lastUpdate, lifecycleStatus and name as strings.
"""

import pytest

from tests.factories.catalog import SpecificationFactory

BASE = "/tmf-api/productCatalogManagement/v4/"
MANDATORY = ["href", "id", "lastUpdate", "lifecycleStatus", "name"]


def check_instance(instance: dict, body: str) -> None:
    assert set(MANDATORY) <= set(instance)
    for attribute in MANDATORY:
        assert isinstance(instance[attribute], str)
        assert instance[attribute] in body


def payloads():
    return {
        "productSpecification": ({"name": "Cisco Firepower NGFW"}, {}),
        "productOffering": ({"name": "aProductOffering"}, {"name": "anotherProductOffering"}),
        "productOfferingPrice": (
            {"name": "Recurring Charge for Business Firewall", "isBundle": False, "priceType": "recurring"},
            {"name": "Renamed"},
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["productSpecification", "productOffering", "productOfferingPrice"])
def test_conformance_kit_sequence(manager, resource):
    create, patch = payloads()[resource]
    if resource == "productOffering":
        spec = SpecificationFactory()
        create = {
            **create,
            "productSpecification": {"id": spec.pk, "href": "https://x/productSpecification/1", "version": "1.1"},
        }
    url = BASE + resource
    created = manager.post(url, create, format="json", HTTP_ACCEPT="application/json")
    assert created.status_code == 201 and not isinstance(created.json(), list)
    instance = created.json()
    check_instance(instance, created.content.decode())

    listed = manager.get(url)
    assert listed.status_code == 200
    assert instance["id"] in [i["id"] for i in listed.json()]
    for item in listed.json():
        check_instance(item, listed.content.decode())
    assert manager.get(f"{url}/{instance['id']}").json() == instance

    attributes = [*MANDATORY, "priceType"] if resource == "productOfferingPrice" else MANDATORY
    for attribute in attributes:
        selected = manager.get(url, {"fields": attribute})
        assert selected.status_code == 200
        assert all(set(item) == {attribute} for item in selected.json())
        if attribute != "href":
            filtered = manager.get(url, {attribute: instance[attribute]})
            assert filtered.status_code == 200
            assert instance["id"] in [i["id"] for i in filtered.json()], attribute
            for item in filtered.json():
                check_instance(item, filtered.content.decode())
                assert item[attribute] == instance[attribute]

    if patch:
        patched = manager.patch(f"{url}/{instance['id']}", patch, format="json")
        assert patched.status_code == 200 and patched.json()["name"] == patch["name"]
        assert manager.delete(f"{url}/{instance['id']}").status_code == 204
        assert manager.get(f"{url}/{instance['id']}").status_code == 404
    assert manager.get(f"{url}/279edf2b-0130-4c8f-8277-f81daa05d87d").status_code == 404
