"""Qualification: which offerings this customer may buy, and which can be delivered at this address.

Eligibility and compatibility come from the catalog's rule engine; serviceability
from the back-office system each specification names, asked live through its
adapter (``adapters.services.serviceability_ask``: cached briefly, "unknown"
and never "yes" when the system is down or slow). The system's answer must also
offer one of the technologies the specification needs, at the speed the offering
sells: fibre is no yes where the fixed stack has only copper.
"""

from dataclasses import dataclass
from datetime import datetime

from adapters.contracts import Serviceability
from adapters.services import serviceability_ask
from catalog import selectors as catalog_selectors
from catalog.rules import Line, evaluate
from catalog.selectors import ServiceabilityNeed
from customers.models import Customer
from orchestration.assessment import buyer_facts
from overlay.principal import Principal

QUALIFIED, UNQUALIFIED, UNKNOWN = "qualified", "unqualified", "unknown"
UNDETERMINED = ("customerNeeded", "addressNeeded", "serviceabilityUnknown")
# How many offerings are proposed instead of one that does not qualify.
MAX_ALTERNATIVES = 3


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


def result_of(reasons: list[Reason] | tuple[Reason, ...]) -> str:
    if not reasons:
        return QUALIFIED
    if all(r.code in UNDETERMINED for r in reasons):
        return UNKNOWN  # nothing says no, but something could not be checked
    return UNQUALIFIED


def delivery_problems(name: str, need: ServiceabilityNeed, answer: Serviceability, where: Place) -> list[Reason]:
    """Why what the system reports at ``where`` cannot deliver ``name`` (nothing: it can).

    What the system does not say (which technologies, how fast) is never taken for a yes.
    """
    if answer.serviceable is None:
        return [Reason("serviceabilityUnknown", f"We cannot confirm availability now: {answer.reason}")]
    if not answer.serviceable:
        return [Reason("notServiceable", f"'{name}' is not available at {where.label()}.")]
    network = "the network"
    speed = answer.max_down_mbps
    if need.technologies:
        if not answer.technologies:
            return [Reason("serviceabilityUnknown", f"We cannot confirm which network reaches {where.label()}.")]
        usable = [t for t in answer.technologies if t in need.technologies]
        if not usable:
            offered = ", ".join(_with_speed(answer, t) for t in answer.technologies)
            return [
                Reason(
                    "notServiceable",
                    f"'{name}' needs {' or '.join(need.technologies)}; at {where.label()} there is {offered}.",
                )
            ]
        network, speed = "/".join(usable), answer.best_down_mbps(usable)
    if need.down_mbps and not speed:
        return [Reason("serviceabilityUnknown", f"We cannot confirm the speed available at {where.label()}.")]
    if need.down_mbps and speed < need.down_mbps:
        return [
            Reason(
                "notServiceable",
                f"'{name}' needs {need.down_mbps} Mbps; at {where.label()} {network} reaches {speed} Mbps.",
            )
        ]
    return []


def _with_speed(answer: Serviceability, technology: str) -> str:
    speed = answer.best_down_mbps([technology])
    return f"{technology} up to {speed} Mbps" if speed else technology


@dataclass(frozen=True)
class Rules:
    """The offering rules of some offerings (``catalog.selectors.offering_rules``), read already; ``sold``:
    those of them the caller's channel sells now, with their name and download speed (``offerings_sold``),
    when read already too."""

    offering_ids: frozenset[str] | set[str]
    by_offering: dict
    sold: dict[str, tuple[str, int | None]] | None = None


class Qualifier:
    """Qualifies offerings for one buyer, at one address, through one channel (the principal's).

    Each system is asked about the address once, however many offerings need it.
    """

    def __init__(
        self,
        principal: Principal,
        *,
        customer: Customer | None,
        place: Place | None,
        at: datetime,
        rules: Rules | None = None,
    ):
        self.principal = principal
        self.rules = rules
        self.at = at
        self.visible = catalog_selectors.offerings_visible(principal, at)
        self.buyer = buyer_facts(customer)
        self.where = place or place_of(customer)
        self.speeds: dict[str, int | None] = {}  # download speed of each offering qualified so far
        self._answers: dict[str, Serviceability] = {}

    def qualify(self, offering_ids: list[str]) -> list[QualifiedOffering]:
        """One answer per offering (in that order); offerings not sold here are ``notSold``."""
        if self.rules is not None and self.rules.sold is not None and self.rules.offering_ids >= set(offering_ids):
            found = {pk: self.rules.sold[pk] for pk in offering_ids if pk in self.rules.sold}
        else:
            found = catalog_selectors.offerings_sold(self.visible, offering_ids)
        self.speeds.update({pk: mbps for pk, (_, mbps) in found.items()})
        known = self.rules is not None and self.rules.offering_ids >= set(found)
        rules = self.rules.by_offering if known else catalog_selectors.offering_rules(found)
        needs = catalog_selectors.serviceability_needs(found)
        answers = []
        for offering_id in offering_ids:
            if offering_id not in found:
                reason = Reason("notSold", "This offering is not for sale here.")
                answers.append(QualifiedOffering(offering_id, "", UNQUALIFIED, (reason,)))
                continue
            name = found[offering_id][0]
            reasons = self._rule_problems(offering_id, name, rules)
            for need in needs.get(offering_id, ()):
                reasons += self._delivery_problems(name, need)
            reasons = list(dict.fromkeys(reasons))  # a bundle's members may need the same
            answers.append(QualifiedOffering(offering_id, name, result_of(reasons), tuple(reasons)))
        return answers

    def alternatives(self, answers: list[QualifiedOffering]) -> dict[str, tuple[QualifiedOffering, ...]]:
        """For each offering answered ``unqualified``: the best offerings sharing a category with it that
        do qualify here, the fastest first (then by name), at most ``MAX_ALTERNATIVES``."""
        refused = [a.offering_id for a in answers if a.result == UNQUALIFIED and a.name]
        if not refused:
            return {}
        mates = catalog_selectors.category_mates(self.visible, refused)
        known = {a.offering_id: a for a in answers}
        unknown = sorted(set().union(*mates.values()) - set(known))
        known.update((a.offering_id, a) for a in self.qualify(unknown))
        qualified = [a for a in known.values() if a.result == QUALIFIED]
        qualified.sort(key=lambda a: (-(self.speeds.get(a.offering_id) or 0), a.name, a.offering_id))
        return {
            offering_id: tuple(a for a in qualified if a.offering_id in mates[offering_id])[:MAX_ALTERNATIVES]
            for offering_id in refused
        }

    def _rule_problems(self, offering_id: str, name: str, rules) -> list[Reason]:
        line = Line(offering_id, offering_id, name, 1)
        problems = evaluate([line], rules, self.buyer, self.principal.channel, self.at.date())
        return [Reason("customerNeeded" if p.undetermined else f"rule:{p.rule}", p.message) for p in problems]

    def _delivery_problems(self, name: str, need: ServiceabilityNeed) -> list[Reason]:
        if self.where is None:
            return [Reason("addressNeeded", f"Tell us the address to check whether '{name}' reaches it.")]
        if need.system not in self._answers:
            self._answers[need.system] = serviceability_ask(need.system, self.where.postcode, self.where.house_number)
        return delivery_problems(name, need, self._answers[need.system], self.where)


def qualify(
    principal: Principal,
    *,
    customer: Customer | None,
    offering_ids: list[str],
    place: Place | None,
    at: datetime,
    rules: Rules | None = None,
) -> list[QualifiedOffering]:
    """One answer per offering asked for. ``rules``: those of (at least) these offerings, when read already."""
    return Qualifier(principal, customer=customer, place=place, at=at, rules=rules).qualify(offering_ids)
