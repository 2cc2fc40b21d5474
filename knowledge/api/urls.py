"""Knowledge's ``/api/v1`` extensions: an article, and feedback on it. The list (which can narrow to a product
the caller holds) is mounted by the console layer: ``console.api.knowledge_urls``."""

from django.urls import path

from knowledge.api.views import ArticleView, FeedbackView

urlpatterns = [
    path("api/v1/knowledge/article/<str:article_id>", ArticleView.as_view(), name="knowledge-article"),
    path(
        "api/v1/knowledge/article/<str:article_id>/feedback",
        FeedbackView.as_view(),
        name="knowledge-article-feedback",
    ),
]
