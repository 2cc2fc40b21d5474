"""Qualification: which offerings this customer may buy, and which can be delivered at this address.

Eligibility and compatibility come from the catalog's rule engine; serviceability
from the back-office system each specification names, asked live through its
adapter (``adapters.services.serviceability_ask``: cached briefly, "unknown"
and never "yes" when the system is down or slow).
"""

from dataclasses import dataclass
from datetime import datetime

from adapters.services import serviceability_ask
from catalog import selectors as catalog_selectors
from catalog.rules import Line, evaluate
from customers.models import Customer
from orchestration.assessment import buyer_facts
from overlay.principal import Principal

QUALIFIED, UNQUALIFIED, UNKNOWN = "qualified", "unqualified", "unknown"
UNDETERMINED = ("customerNeeded", "addressNeeded", "serviceabilityUnknown")
# Without a list of offerings, qualification answers for (at most) this many sellable ones.
MAX_OFFERINGS = 200


@dataclass(frozen=True)
class Place:
    postcode: str
    house_number: str = ""
    street: str = ""
    city: str = ""

    def label(self) -> str:
        return " ".join(part for part in (self.street, self.house_number, self.postcode, self.city) if part)


@dataclass(frozen=True)
class Reason:
    code: str
    label: str


@dataclass(frozen=True)
class QualifiedOffering:
    offering_id: str
    name: str
    result: str  # qualified | unqualified | unknown
    reasons: tuple[Reason, ...] = ()


def place_of(customer: Customer | None) -> Place | None:
    if customer is None or not customer.postcode:
        return None
    return Place(customer.postcode, customer.house_number, customer.street, customer.city)


def qualify(
    principal: Principal,
    *,
    customer: Customer | None,
    offering_ids: list[str] | None,
    place: Place | None,
    at: datetime,
) -> list[QualifiedOffering]:
    """One answer per offering asked for (or per sellable offering when none is named)."""
    visible = catalog_selectors.offerings_visible(principal, at)
    if offering_ids is None:
        offering_ids = list(visible.order_by("name", "id").values_list("pk", flat=True)[:MAX_OFFERINGS])
    names = dict(visible.filter(pk__in=offering_ids).values_list("pk", "name"))
    rules = catalog_selectors.offering_rules(names)
    systems = catalog_selectors.serviceability_systems(names)
    buyer = buyer_facts(customer)
    where = place or place_of(customer)
    asked: dict[str, object] = {}
    answers = []
    for offering_id in offering_ids:
        if offering_id not in names:
            answers.append(
                QualifiedOffering(
                    offering_id, "", UNQUALIFIED, (Reason("notSold", "This offering is not for sale here."),)
                )
            )
            continue
        name = names[offering_id]
        problems = evaluate([Line(offering_id, offering_id, name, 1)], rules, buyer, principal.channel, at.date())
        reasons = [Reason("customerNeeded" if p.undetermined else f"rule:{p.rule}", p.message) for p in problems]
        system = systems.get(offering_id)
        if system:
            if where is None:
                reasons.append(Reason("addressNeeded", f"Tell us the address to check whether '{name}' reaches it."))
            else:
                if system not in asked:
                    asked[system] = serviceability_ask(system, where.postcode, where.house_number)
                answer = asked[system]
                if answer.serviceable is None:
                    reasons.append(
                        Reason("serviceabilityUnknown", f"We cannot confirm availability now: {answer.reason}")
                    )
                elif not answer.serviceable:
                    reasons.append(Reason("notServiceable", f"'{name}' is not available at {where.label()}."))
        if not reasons:
            result = QUALIFIED
        elif all(r.code in UNDETERMINED for r in reasons):
            result = UNKNOWN  # nothing says no, but something could not be checked
        else:
            result = UNQUALIFIED
        answers.append(QualifiedOffering(offering_id, name, result, tuple(reasons)))
    return answers
