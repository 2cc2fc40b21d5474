"""Knowledge's article list, mounted by the console layer: it narrows to a product the caller holds
(``console.api.knowledge``); an article and its feedback are in ``knowledge.api.urls``."""

from django.urls import path

from console.api.knowledge import HeldProductArticleListView

urlpatterns = [
    path("api/v1/knowledge/article", HeldProductArticleListView.as_view(), name="knowledge-articles"),
]
