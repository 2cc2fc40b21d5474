from django.urls import include, path

from care.api import pushes, views
from events.api.hub import hub_urls
from overlay.api.routers import TMFRouter
from overlay.tmf import TROUBLE_TICKET

router = TMFRouter()
router.register("troubleTicket", views.TroubleTicketViewSet, basename=f"{TROUBLE_TICKET.name}-troubleTicket")

urlpatterns = [
    path(TROUBLE_TICKET.prefix, include([*router.urls, *hub_urls(TROUBLE_TICKET)])),
    path("api/v1/backoffice/<slug:system>/tickets", pushes.PushedTicketsView.as_view(), name="backoffice-tickets"),
]
