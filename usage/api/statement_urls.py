from django.urls import path

from usage.api.statements import PartnerStatementLinesView, PartnerStatementView

urlpatterns = [
    path("api/v1/partners/statements", PartnerStatementLinesView.as_view(), name="partner-statements"),
    path("api/v1/partners/statements/<str:period>", PartnerStatementView.as_view(), name="partner-statement"),
]
