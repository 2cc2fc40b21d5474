"""``/hub`` on every TMF API (TMF630 / TMF688 listener registration)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from events import services
from overlay.api.permissions import ApplicationOrStaff
from overlay.api.principal import principal_of
from overlay.tmf import TMFApi


class EventSubscriptionInput(serializers.Serializer):
    callback = serializers.CharField(max_length=500)
    query = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EventSubscriptionOutput(EventSubscriptionInput):
    id = serializers.CharField()
    secret = serializers.CharField(help_text="Signs every event sent to the callback; shown only here.")


def _represent(subscription) -> dict:
    body = {"id": subscription.id, "callback": subscription.callback}
    if subscription.query:
        body["query"] = subscription.query
    return body


class HubView(APIView):
    """Registering a listener: applications and staff holding the API's read scope (checked by the service)."""

    permission_classes = [ApplicationOrStaff]
    serializer_class = EventSubscriptionInput
    api_name = ""

    @extend_schema(
        operation_id="registerListener", request=EventSubscriptionInput, responses={201: EventSubscriptionOutput}
    )
    def post(self, request):
        serializer = EventSubscriptionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = services.subscription_register(
            api=self.api_name, principal=principal_of(request), **serializer.validated_data
        )
        # The signing secret is shown once: the listener checks X-Overlay-Signature with it.
        return Response({**_represent(subscription), "secret": subscription.secret}, status=status.HTTP_201_CREATED)


class HubDetailView(APIView):
    permission_classes = [ApplicationOrStaff]
    api_name = ""

    @extend_schema(operation_id="unregisterListener", responses={204: None})
    def delete(self, request, subscription_id: str):
        services.subscription_unregister(
            api=self.api_name, subscription_id=subscription_id, owner=principal_of(request).key
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def hub_urls(api: TMFApi) -> list:
    """The /hub routes of one TMF API."""
    api_name = api.name
    return [
        path("hub", HubView.as_view(api_name=api_name), name=f"{api_name}-hub"),
        path("hub/", HubView.as_view(api_name=api_name)),
        path("hub/<str:subscription_id>", HubDetailView.as_view(api_name=api_name), name=f"{api_name}-hub-detail"),
    ]
