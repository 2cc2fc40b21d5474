"""Generate a large catalog in bulk: offerings with prices, categories, channels and bundles."""

import random
from decimal import Decimal

from django.db import transaction

from catalog.models import (
    BundledOffering,
    Category,
    Channel,
    Lifecycle,
    MarketSegment,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)
from catalog.services import catalog_changed

CHANNELS = ["web", "mobile", "store", "callcentre", "partner"]
BATCH = 2000


@transaction.atomic
def load_catalog(offerings: int = 10_000, bundles: int = 1_000, seed: int = 7) -> None:
    rng = random.Random(seed)
    channels = [Channel.objects.create(code=code, name=code.title()) for code in CHANNELS]
    segments = [MarketSegment.objects.create(code=c, name=c.title()) for c in ("consumer", "business", "youth")]
    categories = [
        Category.objects.create(name=f"Category {i:02d}", lifecycle_status=Lifecycle.ACTIVE) for i in range(20)
    ]
    specs = ProductSpecification.objects.bulk_create(
        ProductSpecification(name=f"Spec {i:03d}", brand="Bench", lifecycle_status=Lifecycle.ACTIVE) for i in range(100)
    )
    rows = ProductOffering.objects.bulk_create(
        (
            ProductOffering(
                name=f"Offering {i:05d}",
                description=f"Benchmark offering number {i}",
                lifecycle_status=Lifecycle.LAUNCHED,
                is_sellable=True,
                is_bundle=i < bundles,
                specification=None if i < bundles else rng.choice(specs),
            )
            for i in range(offerings)
        ),
        batch_size=BATCH,
    )
    ProductOfferingPrice.objects.bulk_create(
        (
            price
            for offering in rows
            for price in (
                ProductOfferingPrice(
                    name=f"{offering.name} monthly",
                    offering=offering,
                    price_type="recurring",
                    recurring_period="month",
                    amount=Decimal(rng.randint(500, 9999)) / 100,
                    tax_rate=Decimal(20),
                    lifecycle_status=Lifecycle.ACTIVE,
                ),
                ProductOfferingPrice(
                    name=f"{offering.name} activation",
                    offering=offering,
                    price_type="oneTime",
                    amount=Decimal(rng.choice([0, 10, 49])),
                    tax_rate=Decimal(20),
                    lifecycle_status=Lifecycle.ACTIVE,
                ),
            )
        ),
        batch_size=BATCH,
    )
    channel_links = ProductOffering.channels.through
    channel_links.objects.bulk_create(
        (
            channel_links(productoffering_id=o.pk, channel_id=c.pk)
            for o in rows
            for c in rng.sample(channels, rng.randint(3, 5))
            if c.code == "web" or rng.random() < 0.9
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    # Every offering is sold on the web, so the measured channel sees them all.
    channel_links.objects.bulk_create(
        (channel_links(productoffering_id=o.pk, channel_id=channels[0].pk) for o in rows),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    category_links = ProductOffering.categories.through
    category_links.objects.bulk_create(
        (
            category_links(productoffering_id=o.pk, category_id=c.pk)
            for o in rows
            for c in rng.sample(categories, rng.randint(1, 2))
        ),
        batch_size=BATCH,
    )
    segment_links = ProductOffering.segments.through
    segment_links.objects.bulk_create(
        (segment_links(productoffering_id=o.pk, marketsegment_id=rng.choice(segments).pk) for o in rows),
        batch_size=BATCH,
    )
    singles = rows[bundles:]
    BundledOffering.objects.bulk_create(
        (
            BundledOffering(bundle=bundle, member=member, lower_limit=0, upper_limit=2, default_count=1)
            for bundle in rows[:bundles]
            for member in rng.sample(singles, 3)
        ),
        batch_size=BATCH,
    )
    catalog_changed()
