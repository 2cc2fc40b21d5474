"""The catalog managers' console. Writes go through ``catalog.services``."""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.db import transaction

from catalog import services
from catalog.fulfilment import plan_problems
from catalog.models import (
    BundledOffering,
    Campaign,
    Category,
    Channel,
    CharacteristicSpec,
    CharacteristicValue,
    FulfilmentStep,
    Lifecycle,
    MarketSegment,
    OfferingRule,
    PriceTier,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
    Recommendation,
)
from overlay.errors import DomainError


class CatalogChangeMixin:
    """Every admin write bumps the catalog revision, as the services do for the API."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.catalog_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.catalog_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.catalog_changed()


class LifecycleForm(forms.ModelForm):
    """A lifecycle change in the form follows the same transitions as the API."""

    def clean_lifecycle_status(self):
        status = self.cleaned_data["lifecycle_status"]
        if self.instance.pk and status != self.instance.lifecycle_status:
            original = type(self.instance).objects.get(pk=self.instance.pk)
            try:
                services.lifecycle_transition(original, status)
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return status


def lifecycle_action(status: str, label: str):
    def action(modeladmin, request, queryset):
        moved, refused = 0, []
        for obj in queryset:
            try:
                with transaction.atomic():
                    services.offering_set_lifecycle(obj, status)
                moved += 1
            except DomainError as error:
                refused.append(error.message)
        if moved:
            modeladmin.message_user(request, f"{moved} offering(s) now {status}.", messages.SUCCESS)
        for message in refused:
            modeladmin.message_user(request, message, messages.ERROR)

    action.__name__ = f"make_{status.lower().replace(' ', '_')}"
    action.short_description = label
    action.allowed_permissions = ("change",)  # agents may look, not launch or retire
    return action


class PriceInline(admin.StackedInline):
    model = ProductOfferingPrice
    extra = 0
    fields = (
        ("name", "price_type", "lifecycle_status"),
        ("amount", "currency", "percentage", "applies_to"),
        ("recurring_period", "recurring_period_length"),
        ("unit_of_measure", "tiering", "included_units"),
        ("tax_category", "tax_rate"),
        ("char_name", "char_value"),
        ("valid_from", "valid_to"),
    )
    show_change_link = True


class BundleMemberInline(admin.TabularInline):
    model = BundledOffering
    fk_name = "bundle"
    extra = 0
    autocomplete_fields = ("member",)


class OfferingRuleForm(forms.ModelForm):
    """A rule's value must mean something for its kind (a number, a consent purpose, an offering...)."""

    class Meta:
        model = OfferingRule
        fields = ("kind", "value", "other", "message")

    def clean(self):
        data = super().clean()
        kind, value, other = data.get("kind"), (data.get("value") or "").strip(), data.get("other")
        Kind = OfferingRule.Kind
        if kind in (Kind.MIN_AGE, Kind.MAX_PER_CUSTOMER) and not value.isdigit():
            raise forms.ValidationError({"value": "Give a whole number."})
        if kind == Kind.CONSENT and value not in ("marketing", "data_sharing"):
            raise forms.ValidationError({"value": "Give marketing or data_sharing."})
        if kind in (Kind.SEGMENT, Kind.CHANNEL, Kind.REGION) and not value:
            raise forms.ValidationError({"value": "List at least one, comma-separated."})
        if kind in (Kind.REQUIRES_HELD, Kind.REQUIRES, Kind.EXCLUDES) and other is None:
            raise forms.ValidationError({"other": "Choose the other offering."})
        return data


class OfferingRuleInline(admin.TabularInline):
    model = OfferingRule
    form = OfferingRuleForm
    fk_name = "offering"
    extra = 0
    autocomplete_fields = ("other",)


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    fk_name = "source"
    extra = 0
    autocomplete_fields = ("target",)


@admin.register(ProductOffering)
class ProductOfferingAdmin(CatalogChangeMixin, admin.ModelAdmin):
    form = LifecycleForm
    list_display = ("name", "lifecycle_status", "is_bundle", "is_sellable", "specification", "valid_from", "valid_to")
    list_filter = (
        "lifecycle_status",
        "is_bundle",
        "is_sellable",
        "channels",
        "segments",
        "categories",
        "source_system",
    )
    search_fields = ("name", "description", "id", "external_id")
    filter_horizontal = ("categories", "channels", "segments")
    autocomplete_fields = ("specification",)
    readonly_fields = ("id", "last_update")
    inlines = (PriceInline, BundleMemberInline, OfferingRuleInline, RecommendationInline)
    actions = (
        lifecycle_action(Lifecycle.LAUNCHED, "Launch selected offerings"),
        lifecycle_action(Lifecycle.RETIRED, "Retire selected offerings"),
        lifecycle_action(Lifecycle.IN_DESIGN, "Send selected offerings back to design"),
    )
    fieldsets = (
        (None, {"fields": ("id", "name", "description", "specification", "version", "last_update")}),
        ("Selling", {"fields": ("lifecycle_status", "status_reason", "is_sellable", "is_bundle")}),
        ("Where and to whom", {"fields": ("channels", "segments", "categories")}),
        ("Validity", {"fields": ("valid_from", "valid_to")}),
        ("Source", {"fields": ("source_system", "external_id"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specification")


class CharacteristicValueInline(admin.TabularInline):
    model = CharacteristicValue
    extra = 0


@admin.register(CharacteristicSpec)
class CharacteristicSpecAdmin(CatalogChangeMixin, admin.ModelAdmin):
    list_display = ("name", "specification", "value_type", "configurable")
    search_fields = ("name", "specification__name")
    autocomplete_fields = ("specification",)
    inlines = (CharacteristicValueInline,)


class CharacteristicInline(admin.TabularInline):
    model = CharacteristicSpec
    extra = 0
    show_change_link = True
    fields = ("name", "value_type", "configurable", "min_cardinality", "max_cardinality", "regex")


class FulfilmentPlanFormSet(forms.BaseInlineFormSet):
    """The plan is checked as a whole: unique keys, known actions and systems, no circles."""

    def clean(self):
        super().clean()
        steps = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("key"):
                continue
            steps.append(
                {
                    "key": data["key"],
                    "after": [k.strip() for k in (data.get("after") or "").split(",") if k.strip()],
                    "actions": [a.strip() for a in (data.get("actions") or "").split(",") if a.strip()],
                }
            )
            system = apps.get_model("adapters", "BackOfficeSystem")
            if data.get("system") and not system.objects.filter(code=data["system"]).exists():
                form.add_error("system", f"No back-office system '{data['system']}' is configured.")
        problems = plan_problems(steps)
        if problems:
            raise forms.ValidationError(problems)


class FulfilmentStepInline(admin.TabularInline):
    model = FulfilmentStep
    formset = FulfilmentPlanFormSet
    extra = 0
    fields = (
        "position",
        "key",
        "system",
        "task",
        "after",
        "undo_task",
        "actions",
        "creates_product",
        "on_failure",
        "timeout_seconds",
    )
    verbose_name = "fulfilment step"
    verbose_name_plural = "fulfilment plan (what happens in which system when this is ordered)"


@admin.register(ProductSpecification)
class ProductSpecificationAdmin(CatalogChangeMixin, admin.ModelAdmin):
    form = LifecycleForm
    list_display = ("name", "brand", "kind", "lifecycle_status", "source_system")
    list_filter = ("lifecycle_status", "kind", "brand", "source_system")
    search_fields = ("name", "brand", "product_number", "id", "external_id")
    readonly_fields = ("id", "last_update")
    inlines = (CharacteristicInline, FulfilmentStepInline)


class TierInline(admin.TabularInline):
    model = PriceTier
    extra = 0


@admin.register(ProductOfferingPrice)
class ProductOfferingPriceAdmin(CatalogChangeMixin, admin.ModelAdmin):
    form = LifecycleForm
    list_display = ("name", "offering", "price_type", "amount", "currency", "percentage", "tiering", "lifecycle_status")
    list_filter = ("price_type", "tiering", "currency", "lifecycle_status")
    search_fields = ("name", "offering__name", "id")
    autocomplete_fields = ("offering",)
    readonly_fields = ("id", "last_update")
    inlines = (TierInline,)


@admin.register(Category)
class CategoryAdmin(CatalogChangeMixin, admin.ModelAdmin):
    form = LifecycleForm
    list_display = ("name", "parent", "lifecycle_status")
    list_filter = ("lifecycle_status",)
    search_fields = ("name", "id")
    autocomplete_fields = ("parent",)


@admin.register(Campaign)
class CampaignAdmin(CatalogChangeMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "value", "applies_to", "valid_from", "valid_to", "is_active")
    list_filter = ("is_active", "kind", "applies_to", "channels", "segments")
    search_fields = ("name",)
    filter_horizontal = ("channels", "segments")
    autocomplete_fields = ("offerings",)


@admin.register(Recommendation)
class RecommendationAdmin(CatalogChangeMixin, admin.ModelAdmin):
    list_display = ("source", "target", "kind", "rank", "reason")
    list_filter = ("kind",)
    search_fields = ("source__name", "target__name")
    autocomplete_fields = ("source", "target")


@admin.register(Channel)
class ChannelAdmin(CatalogChangeMixin, admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(MarketSegment)
class MarketSegmentAdmin(CatalogChangeMixin, admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
