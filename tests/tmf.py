"""The contract every TMF resource endpoint keeps, tested once.

A resource's test class subclasses ``TMFResourceContract`` and declares its
path, how to make rows a reader channel may see, a valid create body, a patch
and one filter; every convention (paging headers, ``fields=``, trailing
slash, error bodies, authz, merge-patch, 404/405/415, nothing written on bad
input, constant query counts) is checked here for all of them.
"""

import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

MERGE_PATCH = "application/merge-patch+json"


def assert_tmf_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "reason", "message", "status"}
    assert body["status"] == str(status)
    assert body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


def rows_in_database() -> dict[str, int]:
    """How many rows each model has: equal before and after a refused request means nothing was written."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def queries_for(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.django_db
class TMFReadContract:
    """Reads: collections, paging, fields=, filters, 404, 401, constant queries."""

    path: str = ""
    resource_type: str = ""
    model = None
    list_queries: int = 0
    detail_queries: int = 0
    # Two first-level attributes every row has, and the model field behind the first one.
    selected_attributes: tuple[str, str] = ("name", "lifecycleStatus")
    name_attribute: tuple[str, str] = ("name", "name")

    # --- what a resource declares ---------------------------------------------------
    def make(self, count: int, channels) -> list:
        raise NotImplementedError

    def filter_case(self, rows) -> tuple[str, set[str]]:
        """A query string and the ids it must return."""
        raise NotImplementedError

    @pytest.fixture
    def reader(self, web):
        """A client that may read these rows."""
        return web

    # --- collections ---------------------------------------------------------------------
    def test_list_is_a_bare_array_with_count_headers(self, reader, channels):
        rows = self.make(3, channels)
        response = reader.get(self.path)
        assert response.status_code == 200
        body = response.json()
        assert isinstance(body, list)
        assert response["X-Total-Count"] == "3"
        assert response["X-Result-Count"] == "3"
        assert {item["id"] for item in body} == {row.pk for row in rows}
        for item in body:
            assert item["@type"] == self.resource_type
            assert item["href"] == f"http://testserver{self.path}/{item['id']}"
            assert None not in item.values()

    def test_offset_and_limit_page_the_collection(self, reader, channels):
        self.make(5, channels)
        first = reader.get(self.path, {"offset": 0, "limit": 2})
        second = reader.get(self.path, {"offset": 2, "limit": 2})
        assert first["X-Total-Count"] == second["X-Total-Count"] == "5"
        assert first["X-Result-Count"] == second["X-Result-Count"] == "2"
        assert not {i["id"] for i in first.json()} & {i["id"] for i in second.json()}
        beyond = reader.get(self.path, {"offset": 10})
        assert beyond.json() == [] and beyond["X-Result-Count"] == "0"

    @pytest.mark.parametrize(
        "query", [{"limit": "-1"}, {"offset": "x"}, {"limit": "100000"}, {"offset": str(10**29)}, {"limit": "+5"}]
    )
    def test_bad_paging_is_a_400(self, reader, channels, query):
        self.make(1, channels)
        assert_tmf_error(reader.get(self.path, query), 400)

    def test_fields_returns_exactly_the_selected_attributes(self, reader, channels):
        row = self.make(1, channels)[0]
        first, second = self.selected_attributes
        listed = reader.get(self.path, {"fields": f"{first}, {second}"}).json()
        assert [set(item) for item in listed] == [{first, second}]
        assert listed[0][self.name_attribute[0]] == getattr(row, self.name_attribute[1])
        single = reader.get(f"{self.path}/{row.pk}", {"fields": "id,href"}).json()
        assert set(single) == {"id", "href"}

    def test_with_and_without_trailing_slash(self, reader, channels):
        row = self.make(1, channels)[0]
        assert reader.get(self.path + "/").status_code == 200
        assert reader.get(f"{self.path}/{row.pk}/").json()["id"] == row.pk

    def test_filtering(self, reader, channels):
        rows = self.make(4, channels)
        query, expected = self.filter_case(rows)
        response = reader.get(f"{self.path}?{query}")
        assert response.status_code == 200, response.content
        assert {item["id"] for item in response.json()} == expected

    def test_unknown_filters_are_ignored(self, reader, channels):
        self.make(2, channels)
        response = reader.get(self.path, {"noSuchAttribute": "x", "unknownParty.id": "y"})
        assert response.status_code == 200
        assert response["X-Total-Count"] == "2"

    def test_quoted_name_filter_matches_exactly(self, reader, channels):
        rows = self.make(2, channels)
        attribute, field = self.name_attribute
        response = reader.get(f'{self.path}?{attribute}="{getattr(rows[1], field)}"')
        assert [item["id"] for item in response.json()] == [rows[1].pk]

    def test_list_queries_do_not_grow_with_rows(self, reader, channels):
        self.make(2, channels)
        reader.get(self.path)  # the token is verified once, then remembered
        few = queries_for(lambda: reader.get(self.path))
        self.make(18, channels)
        many = queries_for(lambda: reader.get(self.path))
        assert few == many == self.list_queries, (few, many)

    def test_detail_queries_are_constant(self, reader, channels):
        rows = self.make(2, channels)
        reader.get(self.path)
        counts = {queries_for(lambda row=row: reader.get(f"{self.path}/{row.pk}")) for row in rows}
        assert counts == {self.detail_queries}, counts

    # --- single resources and errors ----------------------------------------------------
    def test_retrieve(self, reader, channels):
        row = self.make(1, channels)[0]
        body = reader.get(f"{self.path}/{row.pk}").json()
        assert body["id"] == row.pk and body["@type"] == self.resource_type
        assert body[self.name_attribute[0]] == getattr(row, self.name_attribute[1])
        assert body["href"].startswith("http://testserver/tmf-api/")
        if "lastUpdate" in body:
            assert body["lastUpdate"].endswith("Z")

    def test_unknown_id_is_a_tmf_404(self, reader, channels):
        assert_tmf_error(reader.get(f"{self.path}/does-not-exist"), 404)

    def test_anonymous_is_a_tmf_401(self, anonymous, channels):
        self.make(1, channels)
        response = anonymous.get(self.path)
        assert_tmf_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_bad_token_is_a_tmf_401(self, anonymous, channels):
        anonymous.credentials(HTTP_AUTHORIZATION="Bearer ovl_not-a-real-token")
        assert_tmf_error(anonymous.get(self.path), 401)


class TMFWriteContract:
    """Writes: create, merge-patch, delete, scopes, bad input writes nothing, ETags and 412."""

    def create_body(self, channels) -> dict:
        raise NotImplementedError

    patch_body: dict = {"description": "Changed by a merge patch"}
    invalid_bodies: list = [
        {},
        {"name": ""},
        {"name": "x", "validFor": {"startDateTime": "not a date"}},
        {"name": "x", "lifecycleStatus": "Bogus"},
    ]
    invalid_patch: dict = {"name": "", "description": "x"}

    @pytest.fixture
    def writer(self, manager):
        """A client that may write these resources."""
        return manager

    def test_writing_without_the_scope_is_a_403_and_writes_nothing(self, reader, channels):
        row = self.make(1, channels)[0]
        body = self.create_body(channels)  # may create what it refers to
        before = self.model.objects.count()
        seen = reader.get(f"{self.path}/{row.pk}").json()
        assert_tmf_error(reader.post(self.path, body, format="json"), 403)
        assert_tmf_error(reader.patch(f"{self.path}/{row.pk}", self.patch_body, format="json"), 403)
        assert_tmf_error(reader.delete(f"{self.path}/{row.pk}"), 403)
        assert self.model.objects.count() == before
        assert reader.get(f"{self.path}/{row.pk}").json() == seen

    def test_create(self, writer, channels):
        response = writer.post(self.path, self.create_body(channels), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert response["Location"] == body["href"]
        assert body["@type"] == self.resource_type
        assert self.model.objects.filter(pk=body["id"]).exists()
        assert writer.get(f"{self.path}/{body['id']}").json() == body

    def test_invalid_create_is_a_400_and_writes_nothing(self, writer, channels):
        before = self.model.objects.count()
        for body in self.invalid_bodies:
            assert_tmf_error(writer.post(self.path, body, format="json"), 400)
        assert self.model.objects.count() == before

    @pytest.mark.parametrize("payload", ['{"name": ', "[1, 2]", '"just a string"'])
    def test_malformed_json_is_a_400(self, writer, channels, payload):
        before = self.model.objects.count()
        response = writer.generic("POST", self.path, payload, content_type="application/json")
        assert_tmf_error(response, 400)
        assert self.model.objects.count() == before

    @pytest.mark.parametrize("content_type", [MERGE_PATCH, "application/json"])
    def test_patch(self, writer, channels, content_type):
        row = self.make(1, channels)[0]
        response = writer.generic(
            "PATCH", f"{self.path}/{row.pk}", json.dumps(self.patch_body), content_type=content_type
        )
        assert response.status_code == 200, response.content
        for key, value in self.patch_body.items():
            assert response.json()[key] == value
        attribute, field = self.name_attribute
        if attribute not in self.patch_body:
            assert response.json()[attribute] == getattr(row, field)  # untouched attributes stay

    def test_invalid_patch_is_a_400_and_changes_nothing(self, writer, channels):
        row = self.make(1, channels)[0]
        seen = writer.get(f"{self.path}/{row.pk}").json()
        assert_tmf_error(writer.patch(f"{self.path}/{row.pk}", self.invalid_patch, format="json"), 400)
        assert writer.get(f"{self.path}/{row.pk}").json() == seen

    def test_patch_with_another_media_type_is_a_415(self, writer, channels):
        row = self.make(1, channels)[0]
        response = writer.generic("PATCH", f"{self.path}/{row.pk}", "name=x", content_type="text/plain")
        assert_tmf_error(response, 415)

    def test_put_is_a_405(self, writer, channels):
        row = self.make(1, channels)[0]
        assert_tmf_error(writer.put(f"{self.path}/{row.pk}", {"name": "x"}, format="json"), 405)

    def test_etag_and_conditional_requests(self, writer, channels):
        row = self.make(1, channels)[0]
        url = f"{self.path}/{row.pk}"
        first = writer.get(url)
        etag = first["ETag"]
        assert writer.get(url, {"fields": "name"})["ETag"] == etag  # the resource's, not the selection's
        not_modified = writer.get(url, HTTP_IF_NONE_MATCH=etag)
        assert not_modified.status_code == 304 and not not_modified.content
        changed = writer.patch(url, self.patch_body, format="json", HTTP_IF_MATCH=etag)
        assert changed.status_code == 200 and changed["ETag"] != etag
        assert changed["ETag"] == writer.get(url)["ETag"]

    def test_stale_if_match_is_a_412_and_changes_nothing(self, writer, channels):
        row = self.make(1, channels)[0]
        url = f"{self.path}/{row.pk}"
        stale = writer.get(url)["ETag"]
        writer.patch(url, self.patch_body, format="json")
        before = writer.get(url).json()
        assert_tmf_error(writer.patch(url, {"name": "Lost update"}, format="json", HTTP_IF_MATCH=stale), 412)
        assert_tmf_error(writer.delete(url, HTTP_IF_MATCH=stale), 412)
        assert writer.get(url).json() == before

    def test_delete(self, writer, channels):
        row = self.make(1, channels)[0]
        assert writer.delete(f"{self.path}/{row.pk}").status_code == 204
        assert_tmf_error(writer.get(f"{self.path}/{row.pk}"), 404)
        assert_tmf_error(writer.delete(f"{self.path}/{row.pk}"), 404)


class TMFResourceContract(TMFReadContract, TMFWriteContract):
    """A resource with the whole TMF contract."""


class TMFReadOnlyContract(TMFReadContract):
    """A resource Overlay only reads so far: every write method is a 405."""

    def test_writes_are_not_allowed(self, reader, channels):
        row = self.make(1, channels)[0]
        before = self.model.objects.count()
        assert_tmf_error(reader.post(self.path, {"name": "x"}, format="json"), 405)
        assert_tmf_error(reader.patch(f"{self.path}/{row.pk}", {"name": "x"}, format="json"), 405)
        assert_tmf_error(reader.delete(f"{self.path}/{row.pk}"), 405)
        assert self.model.objects.count() == before


class TMFValidityContract:
    """Resources with validFor: an end before the start is refused."""

    def test_inverted_validity_is_a_422_and_writes_nothing(self, writer, channels):
        before = self.model.objects.count()
        body = {
            **self.create_body(channels),
            "validFor": {"startDateTime": "2027-01-01T00:00:00Z", "endDateTime": "2026-01-01T00:00:00Z"},
        }
        assert_tmf_error(writer.post(self.path, body, format="json"), 422)
        assert self.model.objects.count() == before
