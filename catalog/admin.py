"""The catalog managers' console.

Every form, inline and deletion here is checked by the same rules as the API's writes, which live
in ``catalog.services`` (``check_validity``, ``check_members``, ``check_price``,
``check_characteristics``, ``check_parent``, and the services' deletes): a bundle cannot be made to
contain itself here any more than through the API. Every write bumps the catalog revision.
"""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

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
    UsageMetric,
)
from overlay.errors import DomainError

# Deleting these goes through their service, which refuses what is still in use.
SERVICE_DELETES = {
    ProductOffering: services.offering_delete,
    ProductSpecification: services.specification_delete,
    ProductOfferingPrice: services.price_delete,
    Category: services.category_delete,
}


class CatalogChangeMixin:
    """Every admin write bumps the catalog revision, as the services do for the API; deletions go through
    the services where they have rules."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.catalog_changed()

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id]))

    def delete_model(self, request, obj):
        service = SERVICE_DELETES.get(type(obj))
        if service is None:
            super().delete_model(request, obj)
        else:
            service(obj)
        services.catalog_changed()


class LifecycleForm(forms.ModelForm):
    """A lifecycle change in the form follows the same transitions as the API; validity as the API checks it."""

    def clean(self):
        data = super().clean()
        if "valid_from" in data or "valid_to" in data:
            try:
                services.check_validity(data.get("valid_from"), data.get("valid_to"))
            except DomainError as error:
                raise forms.ValidationError({"valid_to": error.message}) from error
        return data

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


class PriceForm(LifecycleForm):
    """A price's own rules (a discount's percentage or amount, no negative prices), as the API checks them."""

    def _post_clean(self):
        super()._post_clean()  # the instance now carries the form's values
        try:
            services.check_price(self.instance, None)
        except DomainError as error:
            self.add_error(None, error.message)


class PriceInline(admin.StackedInline):
    model = ProductOfferingPrice
    form = PriceForm
    extra = 0
    fields = (
        ("name", "price_type", "lifecycle_status"),
        ("amount", "currency", "percentage", "applies_to"),
        ("recurring_period", "recurring_period_length"),
        ("metric", "unit_of_measure", "tiering", "included_units"),
        ("sla_metric", "sla_threshold", "sla_credit_percentage"),
        ("tax_category", "tax_rate"),
        ("char_name", "char_value"),
        "charged_on",
        ("valid_from", "valid_to"),
    )
    show_change_link = True


class BundleMembersFormSet(forms.BaseInlineFormSet):
    """A bundle's members as the API allows them: not itself, no bundles inside, sane limits, bundles only."""

    def clean(self):
        super().clean()
        members = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("member"):
                continue
            limits = services.MemberInput(
                data["member"].pk, data.get("lower_limit", 1), data.get("upper_limit", 1), data.get("default_count", 1)
            )
            members.append((data["member"], limits))
        try:
            services.check_members(self.instance, members)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error


class BundleMemberInline(admin.TabularInline):
    model = BundledOffering
    formset = BundleMembersFormSet
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
        ("Partner", {"fields": ("partner_channel", "revenue_share"), "classes": ("collapse",)}),
        ("Source", {"fields": ("source_system", "external_id"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specification")


class CharacteristicValuesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        defaults = [
            f
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("is_default")
        ]
        spec = self.instance
        try:
            services.check_characteristics(
                [
                    services.CharacteristicInput(
                        spec.name,
                        min_cardinality=spec.min_cardinality,
                        max_cardinality=spec.max_cardinality,
                        values=tuple({"is_default": True} for _ in defaults),
                    )
                ]
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from error


class CharacteristicValueInline(admin.TabularInline):
    model = CharacteristicValue
    formset = CharacteristicValuesFormSet
    extra = 0


@admin.register(CharacteristicSpec)
class CharacteristicSpecAdmin(CatalogChangeMixin, admin.ModelAdmin):
    list_display = ("name", "specification", "value_type", "configurable")
    search_fields = ("name", "specification__name")
    autocomplete_fields = ("specification",)
    inlines = (CharacteristicValueInline,)


class CharacteristicsFormSet(forms.BaseInlineFormSet):
    """A specification's characteristics as the API allows them: unique names, min ≤ max cardinality."""

    def clean(self):
        super().clean()
        kept = [
            f.cleaned_data for f in self.forms if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.check_characteristics(
                [
                    services.CharacteristicInput(
                        data["name"],
                        min_cardinality=data.get("min_cardinality") or 0,
                        max_cardinality=data.get("max_cardinality") or 0,
                    )
                    for data in kept
                    if data.get("name")
                ]
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from error


class CharacteristicInline(admin.TabularInline):
    model = CharacteristicSpec
    formset = CharacteristicsFormSet
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


class TiersFormSet(forms.BaseInlineFormSet):
    """A price's tiers as the API allows them: usage prices only, from 0, without gaps or overlaps."""

    def clean(self):
        super().clean()
        tiers = [
            services.TierInput(f.cleaned_data["lower"], f.cleaned_data.get("upper"), f.cleaned_data["unit_amount"])
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("lower") is not None
            and f.cleaned_data.get("unit_amount") is not None
        ]
        try:
            services.check_price(self.instance, tiers)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error


class TierInline(admin.TabularInline):
    model = PriceTier
    formset = TiersFormSet
    extra = 0


@admin.register(ProductOfferingPrice)
class ProductOfferingPriceAdmin(CatalogChangeMixin, admin.ModelAdmin):
    form = PriceForm
    list_display = ("name", "offering", "price_type", "amount", "currency", "percentage", "tiering", "lifecycle_status")
    list_filter = ("price_type", "tiering", "currency", "lifecycle_status")
    search_fields = ("name", "offering__name", "id")
    autocomplete_fields = ("offering",)
    readonly_fields = ("id", "last_update")
    inlines = (TierInline,)


class CategoryForm(LifecycleForm):
    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        try:
            services.check_parent(self.instance, parent)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        return parent


@admin.register(Category)
class CategoryAdmin(CatalogChangeMixin, admin.ModelAdmin):
    form = CategoryForm
    list_display = ("name", "parent", "lifecycle_status")
    list_filter = ("lifecycle_status",)
    search_fields = ("name", "id")
    autocomplete_fields = ("parent",)


@admin.register(Campaign)
class CampaignAdmin(CatalogChangeMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "value", "applies_to", "valid_from", "valid_to", "is_active", "channel_bound")
    list_filter = ("is_active", "kind", "applies_to", "channel_bound", "channels", "segments")
    search_fields = ("name",)
    filter_horizontal = ("channels", "segments")
    autocomplete_fields = ("offerings", "prices")


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


@admin.register(UsageMetric)
class UsageMetricAdmin(CatalogChangeMixin, admin.ModelAdmin):
    """What usage records count. A metric's code is how records name it: fixed once records may carry it."""

    list_display = ("code", "name", "unit", "kind", "aggregation")
    list_filter = ("kind", "aggregation")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()
