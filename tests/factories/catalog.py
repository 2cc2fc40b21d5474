from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

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
)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"channel{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketSegment
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"segment{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n:03d}")
    lifecycle_status = Lifecycle.ACTIVE


class SpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductSpecification

    name = factory.Sequence(lambda n: f"Specification {n:03d}")
    brand = "Overlay"
    lifecycle_status = Lifecycle.ACTIVE


class CharacteristicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharacteristicSpec

    specification = factory.SubFactory(SpecificationFactory)
    name = factory.Sequence(lambda n: f"Option {n}")


class CharacteristicValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharacteristicValue

    characteristic = factory.SubFactory(CharacteristicFactory)
    value = factory.Sequence(lambda n: f"value{n}")


class OfferingFactory(factory.django.DjangoModelFactory):
    """A launched, sellable offering; ``channels`` lists the channels it is sold through."""

    class Meta:
        model = ProductOffering
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Offering {n:03d}")
    lifecycle_status = Lifecycle.LAUNCHED
    is_sellable = True

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if create and extracted:
            self.channels.set(extracted)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def segments(self, create, extracted, **kwargs):
        if create and extracted:
            self.segments.set(extracted)


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductOfferingPrice

    name = factory.Sequence(lambda n: f"Price {n:03d}")
    offering = factory.SubFactory(OfferingFactory)
    price_type = ProductOfferingPrice.PriceType.RECURRING
    recurring_period = "month"
    amount = Decimal("10.00")
    tax_rate = Decimal("0")
    lifecycle_status = Lifecycle.ACTIVE


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceTier

    price = factory.SubFactory(PriceFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BundledOffering

    bundle = factory.SubFactory(OfferingFactory, is_bundle=True)
    member = factory.SubFactory(OfferingFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Campaign {n}")
    kind = Campaign.Kind.PERCENTAGE
    value = Decimal("10")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if create and extracted:
            self.channels.set(extracted)

    @factory.post_generation
    def segments(self, create, extracted, **kwargs):
        if create and extracted:
            self.segments.set(extracted)

    @factory.post_generation
    def offerings(self, create, extracted, **kwargs):
        if create and extracted:
            self.offerings.set(extracted)


def rule(offering, kind: str, value: str = "", other=None, message: str = "") -> OfferingRule:
    return OfferingRule.objects.create(offering=offering, kind=kind, value=value, other=other, message=message)


def step(spec, key, system, task, *, after="", undo="", creates=False, on_failure="fail_order", **extra):
    return FulfilmentStep.objects.create(
        specification=spec,
        key=key,
        system=system,
        task=task,
        after=after,
        undo_task=undo,
        creates_product=creates,
        on_failure=on_failure,
        position=FulfilmentStep.objects.filter(specification=spec).count(),
        **extra,
    )
