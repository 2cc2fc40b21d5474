from django.urls import path

from adapters.api.views import PushedChangesView, SyncRunsView

urlpatterns = [
    path("api/v1/backoffice/<slug:system>/events", PushedChangesView.as_view(), name="backoffice-events"),
    path("api/v1/sync-runs", SyncRunsView.as_view(), name="sync-runs"),
]
