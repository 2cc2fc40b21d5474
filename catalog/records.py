"""Offerings and the products they sell, as a back-office or partner catalog publishes them.

What an adapter maps a catalog's records into (``adapters.contracts``) and what
``catalog.services.offerings_import`` takes.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SpecificationRecord:
    """The product an offering sells, as the source knows it (characteristics are Overlay's to add)."""

    external_id: str
    name: str
    kind: str = "digital"  # or "physical"
    brand: str = ""


@dataclass(frozen=True)
class OfferingRecord:
    external_id: str
    name: str
    recurring_price: Decimal | None = None
    currency: str = "EUR"
    active: bool = True
    description: str = ""
    one_time_price: Decimal | None = None
    one_time_name: str = ""  # what the one-time charge is for ("SIM activation")
    specification: SpecificationRecord | None = None
    # The source's version (grows with every change; None: none kept): an older record changes nothing.
    version: int | None = None
