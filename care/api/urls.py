from django.urls import include, path

from care.api import handoffs, pushes, views
from events.api.hub import hub_urls
from overlay.api.routers import TMFRouter
from overlay.tmf import TROUBLE_TICKET

router = TMFRouter()
router.register("troubleTicket", views.TroubleTicketViewSet, basename=f"{TROUBLE_TICKET.name}-troubleTicket")

urlpatterns = [
    path(TROUBLE_TICKET.prefix, include([*router.urls, *hub_urls(TROUBLE_TICKET)])),
    path("api/v1/backoffice/<slug:system>/tickets", pushes.PushedTicketsView.as_view(), name="backoffice-tickets"),
    path("api/v1/ticket-handoffs", handoffs.TicketHandoffsView.as_view(), name="ticket-handoffs"),
    path(
        "api/v1/ticket-handoffs/<str:code>/claim",
        handoffs.TicketHandoffClaimView.as_view(),
        name="ticket-handoff-claim",
    ),
]
