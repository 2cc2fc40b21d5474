"""The catalog managers' articles: written here, saved through ``knowledge.services.article_save`` (search
columns, vocabulary, publication stamp). Agents and supervisors read them. The body is plain text, shown
escaped (the admin's Content-Security-Policy would stop a script anyway; nothing here writes markup)."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from knowledge import services
from knowledge.models import Article, TicketCategory
from knowledge.selectors import categories_with_deflection, with_feedback_counts
from knowledge.text import paragraphs


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    """Ticket categories, with the answers and deflected tickets counted for each (the customer's named
    category, else every category the article answers)."""

    list_display = ("name", "code", "helpful", "not_helpful", "deflected")
    search_fields = ("name", "code")

    def get_queryset(self, request):
        return categories_with_deflection(super().get_queryset(request))

    @admin.display(description="helpful", ordering="helpful_count")
    def helpful(self, category: TicketCategory) -> int:
        return category.helpful_count

    @admin.display(description="not helpful", ordering="not_helpful_count")
    def not_helpful(self, category: TicketCategory) -> int:
        return category.not_helpful_count

    @admin.display(description="deflected tickets", ordering="deflected_count")
    def deflected(self, category: TicketCategory) -> int:
        return category.deflected_count


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "audience", "status", "views", "helpful", "not_helpful", "deflected", "updated_at")
    list_filter = ("status", "audience", "categories")
    search_fields = ("title", "summary", "=id")
    autocomplete_fields = ("offerings", "specifications")
    filter_horizontal = ("categories",)
    readonly_fields = ("id", "preview", "views", "published_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("id", "title", "summary", "body", "preview", "audience", "status")}),
        ("What it answers", {"fields": ("offerings", "specifications", "categories")}),
        ("Use", {"fields": ("views", "published_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return with_feedback_counts(super().get_queryset(request))

    @admin.display(description="helpful", ordering="helpful_count")
    def helpful(self, article: Article) -> int:
        return article.helpful_count

    @admin.display(description="not helpful", ordering="not_helpful_count")
    def not_helpful(self, article: Article) -> int:
        return article.not_helpful_count

    @admin.display(description="deflected tickets", ordering="deflected_count")
    def deflected(self, article: Article) -> int:
        return article.deflected_count

    @admin.display(description="as readers see it")
    def preview(self, article: Article) -> str:
        """The body as channels and the console show it: paragraphs and lists, every character escaped."""
        blocks = []
        for kind, lines in paragraphs(article.body or ""):
            if kind == "ul":
                blocks.append(format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((s,) for s in lines))))
            else:
                blocks.append(format_html("<p>{}</p>", lines[0]))
        return format_html_join("", "{}", ((b,) for b in blocks)) or "-"

    def save_model(self, request, obj, form, change):
        services.article_save(obj)
