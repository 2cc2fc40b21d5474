"""``broadband``: fibre at three speeds and copper (VDSL), each asking the fixed stack, in one category."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from catalog.models import Category, ProductOffering
from tests.factories.catalog import CategoryFactory, MemberFactory, OfferingFactory, PriceFactory, SpecificationFactory


@dataclass
class Broadband:
    category: Category
    fibre_100: ProductOffering
    fibre_500: ProductOffering
    fibre_1000: ProductOffering
    vdsl_100: ProductOffering
    bundle: ProductOffering  # fibre 1000 with TV


@pytest.fixture
def broadband(channels) -> Broadband:
    sold = list(channels.values())
    category = CategoryFactory(name="Broadband")
    fibre = SpecificationFactory(
        name="Fibre broadband", serviceability_system="fixed", serviceability_technologies="FTTH"
    )
    copper = SpecificationFactory(
        name="VDSL broadband", serviceability_system="fixed", serviceability_technologies="VDSL"
    )

    def offering(name, spec, mbps, monthly):
        made = OfferingFactory(name=name, specification=spec, download_mbps=mbps, channels=sold, categories=[category])
        PriceFactory(offering=made, name=f"{name} monthly", amount=Decimal(monthly))
        return made

    fibre_1000 = offering("Fibre 1000", fibre, 1000, "49.99")
    bundle = OfferingFactory(name="Fibre 1000 and TV", is_bundle=True, channels=sold)
    MemberFactory(bundle=bundle, member=fibre_1000, lower_limit=1, upper_limit=1, default_count=1)
    return Broadband(
        category=category,
        fibre_100=offering("Fibre 100", fibre, 100, "29.99"),
        fibre_500=offering("Fibre 500", fibre, 500, "39.99"),
        fibre_1000=fibre_1000,
        vdsl_100=offering("VDSL 100", copper, 100, "27.50"),
        bundle=bundle,
    )
