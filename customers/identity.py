"""Signing in through a storefront: the identity a channel application vouches for, exchanged for its customer.

A storefront signs its users in with its own identity provider, then tells Overlay who it vouches
for: its own stable subject id for the user, and the e-mail address and phone number it verified.
Overlay finds the customer through what it already links (the subject, remembered as a link of the
application's; else the verified identifiers, in any notation, strongest first, as linking matches
back-office records), and remembers the subject on the customer it found. When nobody matches, an
application allowed to register creates a prospect. Several matches are never guessed: the sign-in
is kept apart for an agent (a prospect with suggestions, as linking does) and refused until decided.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction

from customers.linking import linking_lock_for_transaction
from customers.models import Customer, CustomerLink, LinkSuggestion
from customers.normalise import normalise_email, normalise_phone
from customers.services import interaction_record
from overlay.errors import UnprocessableEntity


@dataclass(frozen=True)
class VouchedIdentity:
    """What a channel application says of its signed-in user (OpenID Connect's standard claims)."""

    subject: str = ""  # the application's own stable id for the user ("sub")
    email: str = ""  # verified by the application, else empty
    phone: str = ""  # verified by the application, else empty (E.164 after normalising)
    given_name: str = ""
    family_name: str = ""

    @classmethod
    def of(cls, *, subject="", email="", email_verified=False, phone="", phone_verified=False, **names):
        """From the claims; an unverified e-mail or phone is not an identity (only verified ones match)."""
        verified_email = normalise_email(email) if email_verified else ""
        verified_phone = normalise_phone(phone) if phone_verified else ""
        if email_verified and email and not verified_email:
            raise UnprocessableEntity(f"'{email}' is not an e-mail address.", field="email")
        if phone_verified and phone and not verified_phone:
            raise UnprocessableEntity(f"'{phone}' is not a phone number.", field="phone")
        if not (subject or verified_email or verified_phone):
            raise UnprocessableEntity("vouch for the user: a subject id, or a verified e-mail or phone.")
        return cls(
            subject.strip(), verified_email, verified_phone, names.get("given_name", ""), names.get("family_name", "")
        )


class Outcome(StrEnum):
    KNOWN = "known"  # the subject was linked before
    LINKED = "linked"  # found by a verified identifier; the subject is now remembered
    REGISTERED = "registered"  # nobody matched: a prospect was created
    AMBIGUOUS = "ambiguous"  # several matched: kept apart for an agent
    UNKNOWN = "unknown"  # nobody matched, and the application may not register


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    customer: Customer | None = None


def application_system(application_id: int) -> str:
    """The source system a channel application's subjects are linked as."""
    return f"app:{application_id}"


@dataclass(frozen=True)
class Match:
    kind: str  # the identifier that matched: "email" or "phone"
    customers: frozenset[str]
    settled: bool  # one customer, and nothing stronger said otherwise


def _matches(identity: VouchedIdentity) -> Match | None:
    """The strongest kind of verified identifier that matches anyone (e-mail, then phone), in any notation.

    A phone does not settle it when the e-mail matched no one: households share a line.
    """
    for kind, value in (("email", identity.email), ("phone", identity.phone)):
        if not value:
            continue
        found = set(CustomerLink.objects.filter(**{kind: value}).values_list("customer_id", flat=True))
        found |= set(Customer.objects.filter(**{kind: value}).values_list("id", flat=True))
        if found:
            settled = len(found) == 1 and not (kind == "phone" and identity.email)
            return Match(kind, frozenset(found), settled)
    return None


def _pending(customer: Customer) -> bool:
    """Whether the customer is a sign-in kept apart that an agent has not decided yet."""
    return customer.suggestions.filter(status=LinkSuggestion.Status.OPEN).exists()


def _prospect(identity: VouchedIdentity, **extra) -> Customer:
    return Customer.objects.create(
        status=Customer.Status.PROSPECT,
        email=identity.email,
        phone=identity.phone,
        given_name=identity.given_name[:100],
        family_name=identity.family_name[:100],
        **extra,
    )


def _link(customer: Customer, identity: VouchedIdentity, system: str, rule: str) -> None:
    if identity.subject:
        CustomerLink.objects.create(
            customer=customer,
            system=system,
            external_id=identity.subject[:100],
            linked_by=rule,
            email=identity.email,
            phone=identity.phone,
            source_hash="",
        )


@transaction.atomic
def identity_sign_in(*, application_id: int, channel: str, identity: VouchedIdentity, may_register: bool) -> SignIn:
    """Find (or, when allowed, register) the customer behind an identity a channel application vouches for."""
    linking_lock_for_transaction()  # two sign-ins of one new person make one customer, as two syncs do
    system = application_system(application_id)
    if identity.subject:
        link = CustomerLink.objects.select_related("customer").filter(system=system, external_id=identity.subject)
        if (known := link.first()) is not None:
            if _pending(known.customer):
                return SignIn(Outcome.AMBIGUOUS)
            return SignIn(Outcome.KNOWN, known.customer)
    match = _matches(identity)
    if match is not None and match.settled:
        customer = Customer.objects.get(pk=next(iter(match.customers)))
        _link(customer, identity, system, match.kind)
        interaction_record(
            customer_id=customer.pk, channel=channel, actor=system, kind="sign-in", summary=f"Signed in ({match.kind})"
        )
        return SignIn(Outcome.LINKED, customer)
    if match is not None:
        if identity.subject:  # kept for an agent; without a subject there is nothing to find it by again
            kept = _prospect(identity)
            _link(kept, identity, system, CustomerLink.Rule.NEW)
            LinkSuggestion.objects.bulk_create(
                LinkSuggestion(customer=kept, candidate_id=candidate, reason=f"signed in with the same {match.kind}")
                for candidate in sorted(match.customers)
            )
        return SignIn(Outcome.AMBIGUOUS)
    if not may_register:
        return SignIn(Outcome.UNKNOWN)
    customer = _prospect(identity)
    _link(customer, identity, system, CustomerLink.Rule.NEW)
    interaction_record(
        customer_id=customer.pk, channel=channel, actor=system, kind="sign-in", summary="Registered on sign-in"
    )
    return SignIn(Outcome.REGISTERED, customer)
