"""TMF620 endpoints: each resource keeps the shared contract and its own rules."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from catalog.models import (
    Category,
    Lifecycle,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)
from tests.factories.catalog import (
    CategoryFactory,
    CharacteristicFactory,
    CharacteristicValueFactory,
    MemberFactory,
    OfferingFactory,
    PriceFactory,
    SegmentFactory,
    SpecificationFactory,
    TierFactory,
)
from tests.tmf import TMFResourceContract, TMFValidityContract, assert_tmf_error

BASE = "/tmf-api/productCatalogManagement/v4"


class TestProductOffering(TMFResourceContract, TMFValidityContract):
    path = f"{BASE}/productOffering"
    resource_type = "ProductOffering"
    model = ProductOffering
    # count, page ids; rows (+spec), categories, channels, segments, prices, bundle members (catalog.offering_rows)
    list_queries = 8
    detail_queries = 7  # the offering, then its rows as a page's

    def make(self, count, channels):
        category = CategoryFactory()
        segment = SegmentFactory(code="consumer")
        spec = SpecificationFactory()
        rows = []
        for _ in range(count):
            offering = OfferingFactory(
                specification=spec,
                channels=[channels["web"], channels["store"]],
                categories=[category],
                segments=[segment],
            )
            PriceFactory(offering=offering)
            rows.append(offering)
        return rows

    def create_body(self, channels):
        return {"name": "Mobile XL", "description": "100 GB", "channel": [{"id": channels["web"].pk}]}

    def filter_case(self, rows):
        special = CategoryFactory(name="Special")
        for row in rows[:2]:
            row.categories.add(special)
        return f"category.id={special.pk}", {rows[0].pk, rows[1].pk}


class TestProductSpecification(TMFResourceContract, TMFValidityContract):
    path = f"{BASE}/productSpecification"
    resource_type = "ProductSpecification"
    model = ProductSpecification
    list_queries = 5  # count, page, characteristics, their values, offerings
    detail_queries = 4

    def make(self, count, channels):
        rows = []
        for _ in range(count):
            spec = SpecificationFactory()
            CharacteristicValueFactory(characteristic=CharacteristicFactory(specification=spec), is_default=True)
            rows.append(spec)
        return rows

    def create_body(self, channels):
        return {
            "name": "Smartphone",
            "brand": "Aurora",
            "productSpecCharacteristic": [
                {
                    "name": "Storage",
                    "valueType": "string",
                    "productSpecCharacteristicValue": [{"value": "128GB", "isDefault": True}, {"value": "256GB"}],
                }
            ],
        }

    def filter_case(self, rows):
        ProductSpecification.objects.filter(pk__in=[rows[1].pk, rows[3].pk]).update(brand="Aurora")
        return "brand=Aurora", {rows[1].pk, rows[3].pk}


class TestProductOfferingPrice(TMFResourceContract, TMFValidityContract):
    path = f"{BASE}/productOfferingPrice"
    resource_type = "ProductOfferingPrice"
    model = ProductOfferingPrice
    list_queries = 3  # count, page (+offering), tiers
    detail_queries = 2

    def make(self, count, channels):
        return [PriceFactory() for _ in range(count)]

    def create_body(self, channels):
        return {
            "name": "Monthly fee",
            "priceType": "recurring",
            "recurringChargePeriodType": "month",
            "price": {"unit": "EUR", "value": 19.99},
            "tax": [{"taxCategory": "VAT", "taxRate": 20}],
        }

    def filter_case(self, rows):
        ProductOfferingPrice.objects.filter(pk=rows[2].pk).update(price_type="oneTime")
        return "priceType=oneTime", {rows[2].pk}


class TestCategory(TMFResourceContract, TMFValidityContract):
    path = f"{BASE}/category"
    resource_type = "Category"
    model = Category
    list_queries = 4  # count, page (+parent), sub-categories, offerings
    detail_queries = 3

    def make(self, count, channels):
        return [CategoryFactory() for _ in range(count)]

    def create_body(self, channels):
        return {"name": "Broadband", "description": "Home internet"}

    def filter_case(self, rows):
        Category.objects.filter(pk__in=[rows[1].pk, rows[2].pk]).update(parent=rows[0])
        return f"parentId={rows[0].pk}", {rows[1].pk, rows[2].pk}


# --- what channels may see -----------------------------------------------------------------
@pytest.mark.django_db
class TestOfferingVisibility:
    def test_channels_see_only_launched_sellable_valid_offerings_sold_through_them(self, web, manager, channels):
        now = timezone.now()
        visible = OfferingFactory(channels=[channels["web"]])
        hidden = [
            OfferingFactory(channels=[channels["store"]]),
            OfferingFactory(channels=[channels["web"]], lifecycle_status=Lifecycle.IN_DESIGN),
            OfferingFactory(channels=[channels["web"]], lifecycle_status=Lifecycle.RETIRED),
            OfferingFactory(channels=[channels["web"]], is_sellable=False),
            OfferingFactory(channels=[channels["web"]], valid_to=now - timedelta(days=1)),
            OfferingFactory(channels=[channels["web"]], valid_from=now + timedelta(days=1)),
        ]
        assert [o["id"] for o in web.get(f"{BASE}/productOffering").json()] == [visible.pk]
        for offering in hidden:
            assert_tmf_error(web.get(f"{BASE}/productOffering/{offering.pk}"), 404)
        assert manager.get(f"{BASE}/productOffering")["X-Total-Count"] == "7"

    def test_each_channel_sees_its_own_offerings(self, web, mobile, channels):
        web_only = OfferingFactory(channels=[channels["web"]])
        mobile_only = OfferingFactory(channels=[channels["mobile"]])
        both = OfferingFactory(channels=[channels["web"], channels["mobile"]])
        assert {o["id"] for o in web.get(f"{BASE}/productOffering").json()} == {web_only.pk, both.pk}
        assert {o["id"] for o in mobile.get(f"{BASE}/productOffering").json()} == {mobile_only.pk, both.pk}

    def test_channel_cannot_patch_even_what_it_sees(self, web, channels):
        offering = OfferingFactory(channels=[channels["web"]])
        assert_tmf_error(web.patch(f"{BASE}/productOffering/{offering.pk}", {"name": "x"}, format="json"), 403)

    def test_draft_specifications_and_prices_are_hidden_from_channels(self, web, manager, channels):
        SpecificationFactory(lifecycle_status=Lifecycle.IN_DESIGN)
        PriceFactory(lifecycle_status=Lifecycle.IN_DESIGN)
        assert web.get(f"{BASE}/productSpecification").json() == []
        assert web.get(f"{BASE}/productOfferingPrice").json() == []
        assert len(manager.get(f"{BASE}/productSpecification").json()) == 1
        assert len(manager.get(f"{BASE}/productOfferingPrice").json()) == 1


@pytest.mark.django_db
class TestStaffAccess:
    def test_catalog_manager_writes_with_a_session(self, staff_client, channels):
        client = staff_client("catalog_manager")
        response = client.post(f"{BASE}/category", {"name": "Devices"}, format="json")
        assert response.status_code == 201, response.content

    def test_agent_reads_callcentre_offerings_but_cannot_write(self, staff_client, channels):
        client = staff_client("agent")
        sold = OfferingFactory(channels=[channels["callcentre"]])
        OfferingFactory(channels=[channels["web"]])
        assert [o["id"] for o in client.get(f"{BASE}/productOffering").json()] == [sold.pk]
        assert_tmf_error(client.post(f"{BASE}/category", {"name": "Devices"}, format="json"), 403)

    def test_non_staff_user_is_refused(self, db, channels):
        from django.contrib.auth import get_user_model
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_login(get_user_model().objects.create_user("customer", password="pw"))
        assert_tmf_error(client.get(f"{BASE}/productOffering"), 403)

    def test_revoked_token_stops_working_at_once(self, web, channels, django_capture_on_commit_callbacks):
        from overlay.services import api_client_revoke

        OfferingFactory(channels=[channels["web"]])
        assert web.get(f"{BASE}/productOffering").status_code == 200  # the token is now remembered
        with django_capture_on_commit_callbacks(execute=True):
            api_client_revoke(web.api_client)
        assert_tmf_error(web.get(f"{BASE}/productOffering"), 401)


# --- offering rules ------------------------------------------------------------------------
@pytest.mark.django_db
class TestOfferingRules:
    def test_create_with_every_reference(self, manager, channels):
        spec = SpecificationFactory()
        category = CategoryFactory()
        segment = SegmentFactory(code="youth")
        price = PriceFactory(offering=None)
        body = {
            "name": "Youth plan",
            "lifecycleStatus": "Launched",
            "validFor": {"startDateTime": "2026-01-01T00:00:00Z"},
            "productSpecification": {"id": spec.pk},
            "category": [{"id": category.pk}],
            "channel": [{"id": channels["web"].pk}, {"id": channels["mobile"].pk}],
            "marketSegment": [{"id": segment.pk}],
            "productOfferingPrice": [{"id": price.pk}],
        }
        response = manager.post(f"{BASE}/productOffering", body, format="json")
        assert response.status_code == 201, response.content
        created = response.json()
        assert created["productSpecification"]["id"] == spec.pk
        assert [c["id"] for c in created["category"]] == [category.pk]
        assert {c["id"] for c in created["channel"]} == {channels["web"].pk, channels["mobile"].pk}
        assert created["marketSegment"][0]["id"] == segment.pk
        assert created["productOfferingPrice"][0]["id"] == price.pk
        assert created["validFor"] == {"startDateTime": "2026-01-01T00:00:00.000Z"}

    @pytest.mark.parametrize(
        "reference",
        [
            {"productSpecification": {"id": "nope"}},
            {"category": [{"id": "nope"}]},
            {"channel": [{"id": "nope"}]},
            {"marketSegment": [{"id": "nope"}]},
            {"productOfferingPrice": [{"id": "nope"}]},
        ],
    )
    def test_unknown_references_are_a_422_and_write_nothing(self, manager, channels, reference):
        response = manager.post(f"{BASE}/productOffering", {"name": "Broken", **reference}, format="json")
        body = assert_tmf_error(response, 422)
        assert "nope" in body["message"]
        assert not ProductOffering.objects.filter(name="Broken").exists()

    def test_bundle_with_members_and_cardinality(self, manager, channels):
        mobile, fibre = OfferingFactory(), OfferingFactory()
        body = {
            "name": "Home & Mobile",
            "isBundle": True,
            "bundledProductOffering": [
                {
                    "id": mobile.pk,
                    "bundledProductOfferingOption": {
                        "numberRelOfferLowerLimit": 1,
                        "numberRelOfferUpperLimit": 4,
                        "numberRelOfferDefault": 2,
                    },
                },
                {"id": fibre.pk},
            ],
        }
        response = manager.post(f"{BASE}/productOffering", body, format="json")
        assert response.status_code == 201, response.content
        members = response.json()["bundledProductOffering"]
        assert members[0]["id"] == mobile.pk
        assert members[0]["bundledProductOfferingOption"] == {
            "numberRelOfferLowerLimit": 1,
            "numberRelOfferUpperLimit": 4,
            "numberRelOfferDefault": 2,
        }
        assert members[1]["bundledProductOfferingOption"]["numberRelOfferDefault"] == 1

    @pytest.mark.parametrize(
        "option,is_bundle",
        [
            ({"numberRelOfferLowerLimit": 3, "numberRelOfferUpperLimit": 1}, True),
            ({"numberRelOfferLowerLimit": 1, "numberRelOfferUpperLimit": 2, "numberRelOfferDefault": 5}, True),
            ({}, False),
        ],
    )
    def test_bad_bundles_are_a_422_and_write_nothing(self, manager, channels, option, is_bundle):
        member = OfferingFactory()
        body = {
            "name": "Bad bundle",
            "isBundle": is_bundle,
            "bundledProductOffering": [{"id": member.pk, "bundledProductOfferingOption": option}],
        }
        assert_tmf_error(manager.post(f"{BASE}/productOffering", body, format="json"), 422)
        assert not ProductOffering.objects.filter(name="Bad bundle").exists()

    def test_lifecycle_moves_only_along_allowed_transitions(self, manager, channels):
        offering = OfferingFactory(lifecycle_status=Lifecycle.RETIRED)
        url = f"{BASE}/productOffering/{offering.pk}"
        body = assert_tmf_error(
            manager.patch(url, {"lifecycleStatus": "In design", "name": "Renamed"}, format="json"), 422
        )
        assert "Retired" in body["message"]
        offering.refresh_from_db()
        assert (offering.lifecycle_status, offering.name) == (Lifecycle.RETIRED, offering.name)
        assert (
            manager.patch(url, {"lifecycleStatus": "Obsolete"}, format="json").json()["lifecycleStatus"] == "Obsolete"
        )

    def test_an_offering_in_a_bundle_cannot_be_deleted(self, manager, channels):
        member = MemberFactory()
        body = assert_tmf_error(manager.delete(f"{BASE}/productOffering/{member.member.pk}"), 409)
        assert member.bundle.name in body["message"]
        assert ProductOffering.objects.filter(pk=member.member.pk).exists()

    def test_patch_replaces_reference_lists(self, manager, channels):
        offering = OfferingFactory(channels=[channels["web"], channels["store"]])
        response = manager.patch(
            f"{BASE}/productOffering/{offering.pk}", {"channel": [{"id": channels["mobile"].pk}]}, format="json"
        )
        assert [c["id"] for c in response.json()["channel"]] == [channels["mobile"].pk]

    def test_a_price_of_another_offering_cannot_be_taken(self, manager, channels):
        price = PriceFactory()
        response = manager.post(
            f"{BASE}/productOffering", {"name": "Thief", "productOfferingPrice": [{"id": price.pk}]}, format="json"
        )
        assert_tmf_error(response, 422)
        price.refresh_from_db()
        assert price.offering.name != "Thief"


@pytest.mark.django_db
class TestFilterOperators:
    def test_comparison_operators_on_dates(self, manager, channels):
        old, new = OfferingFactory(), OfferingFactory()
        ProductOffering.objects.filter(pk=old.pk).update(last_update="2024-01-01T00:00:00Z")
        ProductOffering.objects.filter(pk=new.pk).update(last_update="2026-06-01T00:00:00Z")
        url = f"{BASE}/productOffering"
        assert [o["id"] for o in manager.get(f"{url}?lastUpdate.gt=2025-01-01T00:00:00Z").json()] == [new.pk]
        assert [o["id"] for o in manager.get(f"{url}?lastUpdate.lt=2025-01-01").json()] == [old.pk]
        assert [o["id"] for o in manager.get(f"{url}?lastUpdate>=2026-06-01T00:00:00Z").json()] == [new.pk]
        assert_tmf_error(manager.get(f"{url}?lastUpdate.gt=yesterday"), 400)

    def test_a_rendered_last_update_finds_its_resource(self, manager, channels):
        offering = OfferingFactory()
        OfferingFactory()
        ProductOffering.objects.filter(pk=offering.pk).update(last_update="2025-03-14T06:40:41.117384Z")
        rendered = manager.get(f"{BASE}/productOffering/{offering.pk}").json()["lastUpdate"]
        assert rendered == "2025-03-14T06:40:41.117Z"
        url = f"{BASE}/productOffering"
        assert [o["id"] for o in manager.get(url, {"lastUpdate": rendered}).json()] == [offering.pk]
        assert [o["id"] for o in manager.get(url, {"lastUpdate": "2025-03-14T06:40:41Z"}).json()] == [offering.pk]
        assert [o["id"] for o in manager.get(url, {"lastUpdate": "2025-03-14"}).json()] == [offering.pk]
        assert manager.get(url, {"lastUpdate": "2025-03-14T06:40:41.118Z"}).json() == []
        assert offering.pk not in [o["id"] for o in manager.get(url, {"lastUpdate.ne": rendered}).json()]

    def test_comma_means_or_and_quotes_keep_commas(self, manager, channels):
        a = OfferingFactory(name="Plan, large")
        b = OfferingFactory(name="Plan small")
        OfferingFactory(name="Other")
        url = f"{BASE}/productOffering"
        assert [o["id"] for o in manager.get(url, {"name": '"Plan, large"'}).json()] == [a.pk]
        both = manager.get(url, {"lifecycleStatus": "Launched,Retired", "name": 'Plan small,"Plan, large"'}).json()
        assert {o["id"] for o in both} == {a.pk, b.pk}

    def test_boolean_and_dotted_filters(self, manager, channels):
        spec = SpecificationFactory()
        bundle = OfferingFactory(is_bundle=True, specification=spec)
        OfferingFactory()
        url = f"{BASE}/productOffering"
        assert [o["id"] for o in manager.get(url, {"isBundle": "true"}).json()] == [bundle.pk]
        assert [o["id"] for o in manager.get(url, {"productSpecification.id": spec.pk}).json()] == [bundle.pk]
        assert_tmf_error(manager.get(url, {"isBundle": "perhaps"}), 400)


@pytest.mark.django_db
class TestPriceRules:
    def test_tiered_usage_price_round_trips(self, manager, channels):
        body = {
            "name": "Data per GB",
            "priceType": "usage",
            "unitOfMeasure": {"amount": 1, "units": "GB"},
            "pricingLogicAlgorithm": [
                {
                    "name": "volume",
                    "includedUnits": 2,
                    "tier": [
                        {"lowerLimit": 0, "upperLimit": 10, "unitPrice": {"unit": "EUR", "value": 2}},
                        {"lowerLimit": 10, "unitPrice": {"unit": "EUR", "value": 1.5}},
                    ],
                }
            ],
        }
        response = manager.post(f"{BASE}/productOfferingPrice", body, format="json")
        assert response.status_code == 201, response.content
        logic = response.json()["pricingLogicAlgorithm"][0]
        assert logic["name"] == "volume" and logic["includedUnits"] == 2
        assert logic["tier"][1] == {"lowerLimit": 10, "unitPrice": {"unit": "EUR", "value": 1.5}}

    @pytest.mark.parametrize(
        "body,status",
        [
            (
                {
                    "priceType": "usage",
                    "pricingLogicAlgorithm": [
                        {
                            "name": "graduated",
                            "tier": [
                                {"lowerLimit": 0, "upperLimit": 5, "unitPrice": {"value": 1}},
                                {"lowerLimit": 6, "unitPrice": {"value": 1}},
                            ],
                        }
                    ],
                },
                422,
            ),
            (
                {
                    "priceType": "recurring",
                    "pricingLogicAlgorithm": [
                        {"name": "graduated", "tier": [{"lowerLimit": 0, "unitPrice": {"value": 1}}]}
                    ],
                },
                422,
            ),
            ({"priceType": "discount"}, 422),
            ({"priceType": "oneTime", "price": {"unit": "EUR", "value": -5}}, 422),
            ({"priceType": "oneTime", "price": {"unit": "euro", "value": 5}}, 400),
            ({"priceType": "free"}, 400),
            ({"priceType": "oneTime", "tax": [{"taxRate": 150}]}, 400),
        ],
    )
    def test_bad_prices_write_nothing(self, manager, channels, body, status):
        assert_tmf_error(manager.post(f"{BASE}/productOfferingPrice", {"name": "Bad", **body}, format="json"), status)
        assert not ProductOfferingPrice.objects.filter(name="Bad").exists()

    def test_tiers_are_listed_in_order(self, web, channels):
        price = PriceFactory(price_type="usage", unit_of_measure="GB", tiering="graduated", amount=None)
        TierFactory(price=price, lower=Decimal(10), upper=None, unit_amount=Decimal("1"))
        TierFactory(price=price, lower=Decimal(0), upper=Decimal(10), unit_amount=Decimal("2"))
        tiers = web.get(f"{BASE}/productOfferingPrice/{price.pk}").json()["pricingLogicAlgorithm"][0]["tier"]
        assert [t["lowerLimit"] for t in tiers] == [0, 10]


@pytest.mark.django_db
class TestCategoryRules:
    def test_tree(self, manager, channels):
        root = manager.post(f"{BASE}/category", {"name": "Mobile"}, format="json").json()
        child = manager.post(f"{BASE}/category", {"name": "Plans", "parentId": root["id"]}, format="json").json()
        assert root["isRoot"] is True and child["isRoot"] is False and child["parentId"] == root["id"]
        assert manager.get(f"{BASE}/category/{root['id']}").json()["subCategory"][0]["id"] == child["id"]
        assert_tmf_error(manager.patch(f"{BASE}/category/{root['id']}", {"parentId": child["id"]}, format="json"), 422)
        assert_tmf_error(manager.delete(f"{BASE}/category/{root['id']}"), 409)
        assert_tmf_error(manager.post(f"{BASE}/category", {"name": "Orphan", "parentId": "nope"}, format="json"), 422)
        assert not Category.objects.filter(name="Orphan").exists()


@pytest.mark.django_db
class TestSpecificationRules:
    def test_characteristics_are_replaced_by_patch(self, manager, channels):
        spec = manager.post(
            f"{BASE}/productSpecification", TestProductSpecification().create_body(channels), format="json"
        ).json()
        patched = manager.patch(
            f"{BASE}/productSpecification/{spec['id']}",
            {"productSpecCharacteristic": [{"name": "Colour", "productSpecCharacteristicValue": [{"value": "black"}]}]},
            format="json",
        ).json()
        assert [c["name"] for c in patched["productSpecCharacteristic"]] == ["Colour"]

    @pytest.mark.parametrize(
        "characteristics",
        [
            [{"name": "Storage"}, {"name": "Storage"}],
            [{"name": "Storage", "minCardinality": 2, "maxCardinality": 1}],
            [
                {
                    "name": "Storage",
                    "productSpecCharacteristicValue": [
                        {"value": "a", "isDefault": True},
                        {"value": "b", "isDefault": True},
                    ],
                }
            ],
        ],
    )
    def test_bad_characteristics_write_nothing(self, manager, channels, characteristics):
        body = {"name": "Bad spec", "productSpecCharacteristic": characteristics}
        assert_tmf_error(manager.post(f"{BASE}/productSpecification", body, format="json"), 422)
        assert not ProductSpecification.objects.filter(name="Bad spec").exists()

    def test_a_specification_in_use_cannot_be_deleted(self, manager, channels):
        offering = OfferingFactory(specification=SpecificationFactory())
        assert_tmf_error(manager.delete(f"{BASE}/productSpecification/{offering.specification.pk}"), 409)


@pytest.mark.django_db
class TestPageCache:
    def test_pages_are_cached_and_any_write_makes_them_stale(
        self, web, manager, channels, settings, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        settings.CATALOG_PAGE_CACHE_SECONDS = 60
        offering = OfferingFactory(channels=[channels["web"]])
        url = f"{BASE}/productOffering"
        web.get(url)
        with django_assert_num_queries(0):  # token, revision and page all remembered
            cached = web.get(url)
        assert cached.json()[0]["name"] == offering.name
        with django_capture_on_commit_callbacks(execute=True):
            manager.patch(f"{url}/{offering.pk}", {"name": "Renamed"}, format="json")
        assert web.get(url).json()[0]["name"] == "Renamed"

    def test_a_cached_page_and_the_revision_are_one_cache_read(
        self, web, manager, channels, settings, monkeypatch, django_capture_on_commit_callbacks
    ):
        """With the cache in Redis every read is a round trip: the revision and the page are asked together."""
        settings.CATALOG_PAGE_CACHE_SECONDS = 60
        offering = OfferingFactory(channels=[channels["web"]])
        url = f"{BASE}/productOffering"
        web.get(url)
        reads, inside_get_many = [], []
        get, get_many = cache.get, cache.get_many

        def spy_get(key, *args, **kwargs):
            if not inside_get_many:  # the local-memory cache's get_many is a loop of gets
                reads.append([key])
            return get(key, *args, **kwargs)

        def spy_get_many(keys, *args, **kwargs):
            reads.append(list(keys))
            inside_get_many.append(True)
            try:
                return get_many(keys, *args, **kwargs)
            finally:
                inside_get_many.pop()

        monkeypatch.setattr(cache, "get", spy_get)
        monkeypatch.setattr(cache, "get_many", spy_get_many)
        web.get(url)
        catalog_reads = [keys for keys in reads if any(k.startswith(("catalog:", "tmfpage:")) for k in keys)]
        assert len(catalog_reads) == 1 and catalog_reads[0][0] == "catalog:revision"
        assert catalog_reads[0][1].startswith("tmfpage:")
        with django_capture_on_commit_callbacks(execute=True):
            manager.patch(f"{url}/{offering.pk}", {"name": "Renamed"}, format="json")
        assert web.get(url).json()[0]["name"] == "Renamed"  # the page kept for the old revision is not served
        assert web.get(url).json()[0]["name"] == "Renamed"

    def test_an_uncommitted_write_does_not_make_pages_stale_early(self, web, manager, channels, settings):
        settings.CATALOG_PAGE_CACHE_SECONDS = 60
        offering = OfferingFactory(channels=[channels["web"]])
        url = f"{BASE}/productOffering"
        web.get(url)
        # The test transaction never commits: the remembered revision must survive the write.
        manager.patch(f"{url}/{offering.pk}", {"name": "Renamed"}, format="json")
        assert web.get(url).json()[0]["name"] == offering.name

    def test_channels_do_not_share_cached_pages(self, web, mobile, channels, settings):
        settings.CATALOG_PAGE_CACHE_SECONDS = 60
        OfferingFactory(channels=[channels["web"]])
        url = f"{BASE}/productOffering"
        assert len(web.get(url).json()) == 1
        assert mobile.get(url).json() == []
