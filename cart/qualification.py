"""TMF679 qualification: the answer is kept, as TMF679 asks, for whoever asked to read back.

Qualifying itself (eligibility, compatibility, serviceability) is ``orchestration.qualification``,
which order placement applies too. Here: what a request asks (offerings, or categories: "what
can I get in this category here?"), for which channel, what it proposes instead of an offering
that does not qualify (``provideAlternative``), and the answer kept per item.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db import transaction

from cart.models import Qualification
from catalog import selectors as catalog_selectors
from customers.models import Customer
from orchestration.qualification import QUALIFIED, UNDETERMINED, UNKNOWN, Place, QualifiedOffering, Qualifier, Reason
from overlay.errors import UnprocessableEntity
from overlay.principal import Principal

# The most offerings one qualification answers for (the categories it asks about included).
MAX_OFFERINGS = 200


@dataclass(frozen=True)
class Question:
    """One item asked: an offering, or a category ("what can I get in it here?")."""

    item_id: str
    offering_id: str = ""
    category_id: str = ""


@dataclass(frozen=True)
class QualificationRequest:
    """What a TMF679 request asks, in the domain's words (the API parses it into this)."""

    questions: list[Question]
    customer: Customer | None = None
    place: Place | None = None
    channel: str = ""  # a channel's code (or catalog id) to qualify for; empty: the caller's
    provide_alternative: bool = False  # propose what qualifies instead of an offering that does not
    only_available: bool = False  # a category lists only the offerings that qualify
    unavailability_reasons: bool = True
    expected_at: datetime | None = None
    description: str = ""


def qualification_create(principal: Principal, request: QualificationRequest, *, at: datetime) -> Qualification:
    """Qualify what the request asks, for the channel it names (by default the caller's), and keep the answer.

    An unknown channel, or categories holding more than ``MAX_OFFERINGS`` offerings, are refused and
    nothing is kept.
    """
    channel = principal.channel
    if request.channel:
        channel = catalog_selectors.channel_code(request.channel)
        if channel is None:
            raise UnprocessableEntity(f"there is no channel '{request.channel}'.", field="channel")
    qualifier = Qualifier(replace(principal, channel=channel), customer=request.customer, place=request.place, at=at)
    items = _answer(qualifier, request)
    with transaction.atomic():
        return Qualification.objects.create(
            customer=request.customer,
            owner=principal.key,
            channel=channel,
            place=request.place.__dict__ if request.place else {},
            items=items,
            description=request.description,
            expected_at=request.expected_at,
            provide_alternative=request.provide_alternative,
            provide_only_available=request.only_available,
            provide_unavailability_reason=request.unavailability_reasons,
        )


def qualification_delete(qualification: Qualification) -> None:
    """Forget a stored answer (its owner may)."""
    qualification.delete()


def _answer(qualifier: Qualifier, request: QualificationRequest) -> list[dict]:
    """The stored answer: one item per offering asked, one per offering of each category asked."""
    categories = catalog_selectors.offerings_by_category(
        qualifier.visible,
        {q.category_id for q in request.questions if q.category_id},
        qualifier.principal,
        qualifier.at,
    )
    listed = {o for found in categories.values() for o in found.offering_ids}
    asked = list(dict.fromkeys([q.offering_id for q in request.questions if q.offering_id] + sorted(listed)))
    if len(asked) > MAX_OFFERINGS:
        raise UnprocessableEntity(
            f"asks about {len(asked)} offerings; at most {MAX_OFFERINGS} at once: name narrower categories.",
            field="productOfferingQualificationItem",
        )
    answers = {a.offering_id: a for a in qualifier.qualify(asked)}
    named = [answers[q.offering_id] for q in request.questions if q.offering_id]
    alternatives = qualifier.alternatives(named) if request.provide_alternative else {}
    items = []
    for question in request.questions:
        if question.offering_id:
            item = _item(question.item_id, answers[question.offering_id])
            proposed = alternatives.get(question.offering_id)
            if proposed:
                item["alternatives"] = [{"offering_id": a.offering_id, "name": a.name} for a in proposed]
            items.append(item)
        else:
            items.extend(_category_items(question, categories.get(question.category_id), answers, request))
    return items


def _category_items(question: Question, found, answers: dict, request: QualificationRequest) -> list[dict]:
    """What the category holds here, each with its answer (only what qualifies, if asked so)."""
    if found is None:
        reason = Reason("notSold", "There is no such category here.")
        return [
            _item(question.item_id, None, result="unqualified", reasons=(reason,), category=(question.category_id, ""))
        ]
    category = (found.category_id, found.name)
    held = [answers[o] for o in found.offering_ids]
    shown = [a for a in held if a.result == QUALIFIED] if request.only_available else held
    if shown:
        return [_item(f"{question.item_id}.{n}", a, category=category) for n, a in enumerate(shown, start=1)]
    # Nothing to list: say why, and whether giving what is missing (an address, a sign-in) could change it.
    undetermined = {r.code: r for a in reversed(held) if a.result == UNKNOWN for r in a.reasons}
    if undetermined:
        if "addressNeeded" in undetermined:
            label = f"Tell us the address to check what in '{found.name}' reaches it."
            undetermined["addressNeeded"] = Reason("addressNeeded", label)
        reasons = tuple(undetermined[code] for code in UNDETERMINED if code in undetermined)
        return [_item(question.item_id, None, result=UNKNOWN, reasons=reasons, category=category)]
    reason = Reason("noneAvailable", f"Nothing in '{found.name}' can be had here.")
    return [_item(question.item_id, None, result="unqualified", reasons=(reason,), category=category)]


def _item(item_id: str, answer: QualifiedOffering | None, *, category=None, result="", reasons=()) -> dict:
    item = {"id": item_id, "offering_id": "", "name": "", "result": result, "reasons": _reasons(reasons)}
    if answer is not None:
        item.update(
            offering_id=answer.offering_id, name=answer.name, result=answer.result, reasons=_reasons(answer.reasons)
        )
    if category is not None:
        item["category"] = {"id": category[0], "name": category[1]}
    return item


def _reasons(reasons) -> list[dict]:
    return [{"code": r.code, "label": r.label} for r in reasons]
