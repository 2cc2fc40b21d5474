"""Personal data: who sees it in full, and how everyone else sees it.

One rule, applied wherever a person or their identifiers leave Overlay: the TMF APIs
(customer, individual, organization, product), search, the 360° view, events, the agent
console and the admin. A principal sees a person's personal data in full when it is that
person (a customer token), or holds ``customers:pii`` (staff: ``customers.view_pii``, the
supervisors). Everyone else who may see the person at all sees it masked: enough to
recognise and confirm it with the customer, not enough to use it.

Personal data: e-mail address, phone number, birth date (the year stays), national id,
street and house number (postcode and city stay: they say where, not who), and the
product characteristics that identify a person or their line (``PERSONAL_CHARACTERISTICS``:
MSISDN, ICCID, IMEI, installation address by default). Filtering by a personal value stays
possible — that is how a channel finds its customer — but what comes back is masked.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from overlay.principal import Principal

PII_SCOPE = "customers:pii"
HIDDEN = "***"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


def mask_phone(phone: str) -> str:
    return f"{phone[:4]}{'*' * max(len(phone) - 6, 0)}{phone[-2:]}" if phone else ""


def mask_identifier(value: str) -> str:
    """An id number shows its last four characters (as a card number does); short ones nothing."""
    return f"{HIDDEN}{value[-4:]}" if len(value) >= 8 else (HIDDEN if value else "")


def personal_characteristics() -> frozenset[str]:
    """Characteristic names (lower case) whose values are personal data."""
    return frozenset(name.strip().lower() for name in settings.PERSONAL_CHARACTERISTICS if name.strip())


def sees_in_full(principal: Principal | None, customer_id: str | None) -> bool:
    """Whether ``principal`` sees the personal data of customer ``customer_id`` unmasked."""
    if principal is None:
        return False
    if principal.customer_id is not None:
        return customer_id is not None and principal.customer_id == customer_id
    return principal.has_scope(PII_SCOPE)


@dataclass(frozen=True)
class PersonalData:
    """How one principal is shown one person's personal data (``full``: unmasked)."""

    full: bool

    def email(self, value: str) -> str:
        return value if self.full else mask_email(value)

    def phone(self, value: str) -> str:
        return value if self.full else mask_phone(value)

    def birth_date(self, value: date | None) -> str | None:
        if value is None:
            return None
        return value.isoformat() if self.full else str(value.year)

    def national_id(self, value: str) -> str:
        return value if self.full else mask_identifier(value)

    def street(self, street: str, house_number: str) -> str:
        line = f"{street} {house_number}".strip()
        return line if self.full or not line else HIDDEN

    def characteristic(self, name: str, value: str) -> str:
        """A product characteristic's value: personal ones (an MSISDN, an address) masked."""
        if self.full or not value or name.strip().lower() not in personal_characteristics():
            return value
        if value.startswith("+") and value[1:].isdigit():
            return mask_phone(value)
        return HIDDEN if " " in value else mask_identifier(value)

    def characteristics(self, values: dict) -> dict:
        return {name: self.characteristic(name, str(value)) for name, value in values.items()}


FULL = PersonalData(full=True)
MASKED = PersonalData(full=False)


def shown_to(principal: Principal | None, customer_id: str | None) -> PersonalData:
    """How ``principal`` is shown the personal data of customer ``customer_id``."""
    return FULL if sees_in_full(principal, customer_id) else MASKED
