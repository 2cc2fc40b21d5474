"""The rule engine: who may buy an offering, and with what.

Pure, like the pricing engine: it works on ``RuleData`` (the catalog's
``OfferingRule`` rows) and facts about the buyer and the cart, and answers, per
cart line, what is wrong in words a customer understands. Campaign
applicability is the pricing engine's (it picks the campaigns that apply).
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class RuleData:
    offering_id: str
    kind: str
    value: str = ""
    other_id: str | None = None
    other_name: str = ""
    message: str = ""


@dataclass(frozen=True)
class BuyerFacts:
    """What the rules may ask of the customer (None when the cart is anonymous)."""

    segment: str = ""
    birth_date: date | None = None
    consents: frozenset[str] = frozenset()
    postcode: str = ""
    held: Mapping[str, int] = field(default_factory=dict)  # offering name -> active held products


@dataclass(frozen=True)
class Line:
    """One cart line as the rules see it."""

    key: str
    offering_id: str
    offering_name: str
    quantity: int
    removes: str = ""  # the held product's offering name a modify/delete takes away


@dataclass(frozen=True)
class Problem:
    key: str
    rule: str
    message: str
    undetermined: bool = False  # the rule needs to know who buys (anonymous cart)


def _values(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


ANONYMOUS = "Sign in (or let us know who you are) so we can check that you can buy this"


def _check(rule: RuleData, line: Line, buyer: BuyerFacts | None, channel: str, today: date, owned: Counter) -> str:
    """The problem this rule finds with this line, or ''."""
    name = line.offering_name
    kind = rule.kind
    if kind == "channel":
        allowed = _values(rule.value)
        if channel not in allowed:
            return f"'{name}' can only be bought through {', '.join(allowed)}."
        return ""
    if buyer is None:
        # Every other rule depends on who buys it.
        return f"{ANONYMOUS}: '{name}'."
    if kind == "segment":
        allowed = _values(rule.value)
        if buyer.segment not in allowed:
            return f"'{name}' is only for {' or '.join(allowed)} customers."
    elif kind == "min_age":
        years = int(rule.value or 0)
        if buyer.birth_date is None:
            return f"'{name}' is for customers aged {years} or over: please tell us your date of birth."
        if _age(buyer.birth_date, today) < years:
            return f"'{name}' is only for customers aged {years} or over."
    elif kind == "consent":
        purpose = rule.value.replace("_", " ")
        if rule.value not in buyer.consents:
            return f"'{name}' needs your consent to {purpose}."
    elif kind == "region":
        prefixes = [p.replace(" ", "").upper() for p in _values(rule.value)]
        postcode = buyer.postcode.replace(" ", "").upper()
        if not postcode:
            return f"'{name}' is only available in some regions: please tell us your address."
        if not any(postcode.startswith(prefix) for prefix in prefixes):
            return f"'{name}' is not available in your region."
    elif kind == "requires_held":
        if buyer.held.get(rule.other_name, 0) - owned.get(f"removed:{rule.other_name}", 0) <= 0:
            return f"'{name}' is only for customers who already have '{rule.other_name}'."
    elif kind == "requires":
        if owned.get(rule.other_name, 0) <= 0:
            return f"'{name}' needs '{rule.other_name}': add it to your cart."
    elif kind == "excludes":
        if owned.get(rule.other_name, 0) > 0:
            return f"'{name}' cannot be combined with '{rule.other_name}'."
    elif kind == "max_per_customer":
        limit = int(rule.value or 0)
        if owned.get(name, 0) > limit:
            return f"You can have at most {limit} of '{name}'."
    return ""


def evaluate(
    lines: Sequence[Line],
    rules: Mapping[str, Iterable[RuleData]],
    buyer: BuyerFacts | None,
    channel: str,
    today: date,
) -> list[Problem]:
    """Every problem of every line, in line order; an empty list means the cart may be bought."""
    # What the customer would own after this cart: held products, minus those a line takes
    # away, plus the cart's offerings.
    owned: Counter = Counter(dict(buyer.held) if buyer else {})
    for line in lines:
        if line.removes:
            owned[line.removes] -= 1
            owned[f"removed:{line.removes}"] += 1
        if line.offering_id:
            owned[line.offering_name] += line.quantity
    problems = []
    for line in lines:
        if not line.offering_id:
            continue
        for rule in rules.get(line.offering_id, ()):
            message = _check(rule, line, buyer, channel, today, owned)
            if message:
                undetermined = message.startswith(ANONYMOUS)
                if rule.message and not undetermined:
                    message = rule.message
                problems.append(Problem(line.key, rule.kind, message, undetermined))
    return problems
