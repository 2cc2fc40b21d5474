"""Usage records as a back-office system reports them, in Overlay's terms.

What an adapter maps a mediation record into (``adapters.contracts``) and what
``usage.imports`` takes. A record is identified by its id in its system: the same
record received again (a duplicate, a retried page, a push after a pull) is the same
record and counts once.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class UsageRecordIn:
    external_id: str  # the record's id in its system
    product_ref: str  # the held product's id in the same system (subscription, line...)
    metric: str  # a usage metric's code (catalog.UsageMetric)
    quantity: Decimal  # in the metric's unit
    start: datetime  # aware, UTC
    attributes: Mapping[str, str] = field(default_factory=dict)  # roaming zone, ...
