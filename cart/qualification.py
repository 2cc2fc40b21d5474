"""TMF679 qualification: the answer is kept, as TMF679 asks, for whoever asked to read back.

Qualifying itself (eligibility, compatibility, serviceability) is ``orchestration.qualification``,
which order placement applies too.
"""

from datetime import datetime

from django.db import transaction

from cart.models import Qualification
from customers.models import Customer
from orchestration.qualification import Place, qualify
from overlay.principal import Principal


def qualification_create(
    principal: Principal,
    *,
    customer: Customer | None,
    offering_ids: list[str] | None,
    place: Place | None,
    at: datetime,
) -> Qualification:
    """Qualify and keep the answer, as TMF679 asks (the caller reads it back by id)."""
    answers = qualify(principal, customer=customer, offering_ids=offering_ids, place=place, at=at)
    with transaction.atomic():
        return Qualification.objects.create(
            customer=customer,
            owner=principal.key,
            channel=principal.channel,
            place=place.__dict__ if place else {},
            items=[
                {
                    "offering_id": a.offering_id,
                    "name": a.name,
                    "result": a.result,
                    "reasons": [{"code": r.code, "label": r.label} for r in a.reasons],
                }
                for a in answers
            ],
        )


def qualification_delete(qualification: Qualification) -> None:
    """Forget a stored answer (its owner may)."""
    qualification.delete()
