import pytest
from django.db import transaction

from events.models import EventSubscription
from events.services import forget_listeners, listeners_in_transaction
from tests.tmf import assert_tmf_error

HUB = "/tmf-api/productCatalogManagement/v4/hub"


PUBLIC = "https://93.184.215.14"  # a public address: callbacks are checked (events.callbacks) without DNS here


@pytest.fixture
def web(make_client):
    """Listening to the catalog needs catalog:read."""
    return make_client("web", ("catalog:read",))


@pytest.fixture
def mobile(make_client):
    return make_client("mobile", ("catalog:read",))


@pytest.mark.django_db
class TestHub:
    def test_register_and_unregister(self, web):
        response = web.post(
            HUB,
            {"callback": f"{PUBLIC}/events", "query": "eventType=ProductOfferingCreateEvent"},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["callback"] == f"{PUBLIC}/events" and body["id"]
        subscription = EventSubscription.objects.get(pk=body["id"])
        assert subscription.api == "productCatalogManagement"
        assert web.delete(f"{HUB}/{body['id']}").status_code == 204
        assert not EventSubscription.objects.exists()

    @pytest.mark.parametrize(
        "body,status",
        [({}, 400), ({"callback": "not a url"}, 422), ({"callback": "ftp://x.example/"}, 422), ({"query": "x"}, 400)],
    )
    def test_bad_registrations_write_nothing(self, web, body, status):
        assert_tmf_error(web.post(HUB, body, format="json"), status)
        assert not EventSubscription.objects.exists()

    def test_only_the_owner_can_unregister(self, web, mobile):
        body = web.post(HUB, {"callback": f"{PUBLIC}/"}, format="json").json()
        assert_tmf_error(mobile.delete(f"{HUB}/{body['id']}"), 404)
        assert EventSubscription.objects.filter(pk=body["id"]).exists()

    def test_anonymous(self, anonymous):
        assert_tmf_error(anonymous.post(HUB, {"callback": f"{PUBLIC}/"}, format="json"), 401)
        assert not EventSubscription.objects.exists()

    def test_unknown_listener(self, web):
        assert_tmf_error(web.delete(f"{HUB}/nope"), 404)


@pytest.mark.django_db
def test_listeners_read_once_per_transaction_and_a_new_one_is_not_missed(django_assert_num_queries):
    """A checkout publishes two events in one transaction: the listeners are read once for both; one
    registered in between (by this process) gets the next event all the same."""
    forget_listeners()
    with django_assert_num_queries(1):
        assert listeners_in_transaction("productOrderingManagement") == []
        assert listeners_in_transaction("shoppingCart") == []
    subscription = EventSubscription.objects.create(api="shoppingCart", callback=f"{PUBLIC}/events", owner="client:1")
    assert listeners_in_transaction("shoppingCart") == [subscription]
    subscription.delete()
    assert listeners_in_transaction("shoppingCart") == []


@pytest.mark.django_db(transaction=True)
def test_the_listeners_read_in_a_transaction_are_not_reused_by_the_next():
    for end in ("commit", "rollback"):
        forget_listeners()
        with transaction.atomic():
            assert listeners_in_transaction("shoppingCart") == []
            if end == "rollback":
                transaction.set_rollback(True)
        # Written without signals (as another process would): only a new transaction reads it.
        EventSubscription.objects.bulk_create([EventSubscription(api="shoppingCart", callback=PUBLIC, owner=end)])
        with transaction.atomic():
            assert [s.owner for s in listeners_in_transaction("shoppingCart")] == [end]
        EventSubscription.objects.all().delete()
