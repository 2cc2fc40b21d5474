"""TMF629 Customer, TMF632 Individual and TMF637 Product representations, built from prefetched rows.

Personal data is shown as the caller may see it (``overlay.personal_data``): ``ctx.principal``
is who looks; events (no principal) carry none unmasked.
"""

from decimal import Decimal

from django.utils import timezone

from customers.models import Customer, HeldProduct
from overlay.api.representation import compact, money, number, timestamp
from overlay.personal_data import PersonalData, shown_to
from overlay.tmf import CATALOG, CUSTOMER, INVENTORY, PARTY

# TMF632 v4's state types: individual initialized/validated/deceaded (sic: the spec's spelling),
# organization initialized/validated/closed. A party is validated once a system or the customer role vouches for it.


def full_name(customer: Customer) -> str:
    return customer.organization_name or f"{customer.given_name} {customer.family_name}".strip() or customer.id


def personal(ctx, customer_id: str) -> PersonalData:
    """How the caller behind ``ctx`` sees this customer's personal data."""
    return shown_to(getattr(ctx, "principal", None), customer_id)


def contact_media(customer: Customer, shown: PersonalData) -> list[dict]:
    media = []
    if customer.email:
        media.append(
            {"mediumType": "email", "preferred": True, "characteristic": {"emailAddress": shown.email(customer.email)}}
        )
    if customer.phone:
        media.append(
            {
                "mediumType": "mobile",
                "preferred": not customer.email,
                "characteristic": {"phoneNumber": shown.phone(customer.phone)},
            }
        )
    if customer.street or customer.postcode:
        media.append(
            {
                "mediumType": "postalAddress",
                "characteristic": compact(
                    {
                        "street1": shown.street(customer.street, customer.house_number) or None,
                        "postCode": customer.postcode or None,
                        "city": customer.city or None,
                    }
                ),
            }
        )
    return media


def customer(row: Customer, ctx) -> dict:
    party_type = "Organization" if row.kind == Customer.Kind.ORGANIZATION else "Individual"
    party_path = "organization" if party_type == "Organization" else "individual"
    return compact(
        {
            "id": row.id,
            "href": ctx.href(f"{CUSTOMER.base}/customer/{row.id}"),
            "name": full_name(row),
            "status": row.status,
            "engagedParty": {
                "id": row.id,
                "href": ctx.href(f"{PARTY.base}/{party_path}/{row.id}"),
                "name": full_name(row),
                "@referredType": party_type,
            },
            "contactMedium": contact_media(row, personal(ctx, row.id)),
            "account": [
                {"id": a.id, "name": a.external_id, "@referredType": "BillingAccount"}
                for a in row.billing_accounts.all()
            ],
            "characteristic": [{"name": "segment", "valueType": "string", "value": row.segment}] if row.segment else [],
            "@type": "Customer",
        }
    )


def party_status(row: Customer, closed: str) -> str:
    if row.status in (Customer.Status.DECEASED, Customer.Status.CLOSED):
        return closed
    return "validated" if row.status != Customer.Status.PROSPECT or row.links.all() else "initialized"


def organization(row: Customer, ctx) -> dict:
    return compact(
        {
            "id": row.id,
            "href": ctx.href(f"{PARTY.base}/organization/{row.id}"),
            "tradingName": row.organization_name or full_name(row),
            "name": full_name(row),
            "status": party_status(row, "closed"),
            "contactMedium": contact_media(row, personal(ctx, row.id)),
            "externalReference": [
                {"externalReferenceType": link.system, "name": link.external_id} for link in row.links.all()
            ],
            "@type": "Organization",
        }
    )


def individual(row: Customer, ctx) -> dict:
    return compact(
        {
            "id": row.id,
            "href": ctx.href(f"{PARTY.base}/individual/{row.id}"),
            "givenName": row.given_name or None,
            "familyName": row.family_name or None,
            "fullName": full_name(row),
            "birthDate": personal(ctx, row.id).birth_date(row.birth_date),
            "status": party_status(row, "deceaded"),
            "contactMedium": contact_media(row, personal(ctx, row.id)),
            "externalReference": [
                {"externalReferenceType": link.system, "name": link.external_id} for link in row.links.all()
            ],
            "@type": "Individual",
        }
    )


def product(row: HeldProduct, ctx) -> dict:
    """A held product (rows from ``selectors.held_products_with_related``). What it is (``productOffering``),
    what it costs (``productPrice``), its characteristics, billing account, holder and status are always
    given when known: TMF637's conformance kit expects them of every product."""
    body = compact(
        {
            "id": row.id,
            "href": ctx.href(f"{INVENTORY.base}/product/{row.id}"),
            "name": row.name,
            "isCustomerVisible": True,
            "productSerialNumber": row.external_id,
            "startDate": timestamp(row.start_date),
            "terminationDate": timestamp(row.termination_date),
            "productOffering": {
                "id": row.offering_id,
                "href": ctx.href(f"{CATALOG.base}/productOffering/{row.offering_id}"),
                "name": row.offering.name,
                "@referredType": "ProductOffering",
            }
            if row.offering is not None
            else None,
            "billingAccount": _billing_account(row),
        }
    )
    return {
        **body,
        "status": row.status if row.status in HeldProduct.Status.values else HeldProduct.Status.ACTIVE,
        "productCharacteristic": [
            {"name": name, "valueType": "string", "value": value}
            for name, value in sorted(personal(ctx, row.customer_id).characteristics(row.characteristics).items())
        ],
        "productPrice": [_agreed_price(charge, ctx) for charge in row.price] if row.price else _tariff(row, ctx),
        "relatedParty": [
            {
                "id": row.customer_id,
                "href": ctx.href(f"{CUSTOMER.base}/customer/{row.customer_id}"),
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "@type": "Product",
    }


def _billing_account(row: HeldProduct) -> dict | None:
    """The account its system bills it to; else (a line, a device, an order's product) the holder's."""
    number = row.billing_account_ref or getattr(row, "holder_account", None)
    return {"id": number, "name": number, "@referredType": "BillingAccount"} if number else None


def _offering_price_ref(price_id: str, name: str, ctx) -> dict:
    return {"id": price_id, "href": ctx.href(f"{CATALOG.base}/productOfferingPrice/{price_id}"), "name": name}


def _agreed_price(charge: dict, ctx) -> dict:
    """A charge an order agreed for the product (its priced snapshot, per unit)."""
    currency = charge["currency"]
    return compact(
        {
            "name": charge["name"],
            "priceType": charge["price_type"],
            "recurringChargePeriod": charge["period"] or None,
            "unitOfMeasure": charge["unit_of_measure"] or None,
            "price": {
                "dutyFreeAmount": money(charge["amount"], currency),
                "taxIncludedAmount": money(charge["total"], currency),
                "taxRate": number(Decimal(charge["tax_rate"])),
            },
            "productOfferingPrice": _offering_price_ref(charge["price_id"], charge["name"], ctx),
            "productPriceAlteration": [
                {
                    "name": a["name"],
                    "description": a["reason"],
                    "priceType": charge["price_type"],
                    "price": {"dutyFreeAmount": money(a["amount"], currency)},
                }
                for a in charge["alterations"]
            ],
            "@type": "ProductPrice",
        }
    )


# Prices that are not charged (an offering's discounts apply to new sales) or no longer in force.
_NOT_CHARGED = {"discount"}
_ENDED = {"Retired", "Obsolete", "Rejected"}


def _tariff(row: HeldProduct, ctx) -> list[dict]:
    """What a product without an agreed price costs: its offering's prices in force (for a product imported
    from a back office, the tariff its billing system charges), those tied to a characteristic only if the
    product has that value."""
    if row.offering is None:
        return []
    now = timezone.now()
    return [
        compact(
            {
                "name": price.name,
                "priceType": price.price_type,
                "recurringChargePeriod": price.recurring_period or None,
                "unitOfMeasure": price.unit_of_measure or None,
                "price": compact(
                    {
                        "dutyFreeAmount": money(price.amount, price.currency) if price.amount is not None else None,
                        "taxRate": number(price.tax_rate),
                    }
                ),
                "productOfferingPrice": _offering_price_ref(price.id, price.name, ctx),
                "@type": "ProductPrice",
            }
        )
        for price in row.offering.prices.all()
        if price.price_type not in _NOT_CHARGED
        and price.lifecycle_status not in _ENDED
        and (price.valid_from is None or price.valid_from <= now)
        and (price.valid_to is None or now < price.valid_to)
        and (not price.char_name or row.characteristics.get(price.char_name) == price.char_value)
    ]


# --- search results: enough to recognise the person; contact data masked unless entitled ------------
def search_hit(hit, ctx) -> dict:
    row = hit.customer
    shown = personal(ctx, row.id)
    return compact(
        {
            "id": row.id,
            "href": ctx.href(f"{CUSTOMER.base}/customer/{row.id}"),
            "name": full_name(row),
            "postcode": row.postcode or None,
            "city": row.city or None,
            "email": shown.email(row.email) or None,
            "phone": shown.phone(row.phone) or None,
            "birthDate": shown.birth_date(row.birth_date),
            "segment": row.segment or None,
            "systems": sorted({link.system for link in row.links.all()}),
            "matchedBy": hit.matched_by,
            "score": hit.score,
        }
    )


def _products_by_system(row, ctx, shown: PersonalData) -> dict[str, list]:
    by_system: dict[str, list] = {}
    for held in row.held_products.all():
        by_system.setdefault(held.system, []).append(
            compact(
                {
                    "id": held.id,
                    "href": ctx.href(f"{INVENTORY.base}/product/{held.id}"),
                    "name": held.name,
                    "status": held.status,
                    "characteristic": shown.characteristics(held.characteristics),
                    "startDate": timestamp(held.start_date),
                }
            )
        )
    return by_system


def _personal(row, shown: PersonalData) -> dict:
    return compact(
        {
            "givenName": row.given_name or None,
            "familyName": row.family_name or None,
            "email": shown.email(row.email) or None,
            "phone": shown.phone(row.phone) or None,
            "birthDate": shown.birth_date(row.birth_date),
            "address": compact(
                {
                    "street": shown.street(row.street, row.house_number) or None,
                    "postcode": row.postcode or None,
                    "city": row.city or None,
                }
            ),
            "segment": row.segment or None,
            "status": row.status,
        }
    )


def _recommended(recommendations, ctx) -> list[dict]:
    return [
        {
            "productOffering": {
                "id": r.target_id,
                "href": ctx.href(f"{CATALOG.base}/productOffering/{r.target_id}"),
                "name": r.target.name,
            },
            "kind": r.kind,
            "because": f"holds {r.source.name}",
            "reason": r.reason,
        }
        for r in recommendations
    ]


def three_sixty(row, interactions, recommendations, ctx) -> dict:
    """The converged view of one customer: who, what they hold everywhere, what happened, what next."""
    shown = personal(ctx, row.id)
    return {
        "id": row.id,
        "href": ctx.href(f"{CUSTOMER.base}/customer/{row.id}"),
        "name": full_name(row),
        "personal": _personal(row, shown),
        "consent": [
            {"purpose": c.purpose, "granted": c.granted, "recordedAt": timestamp(c.recorded_at), "source": c.source}
            for c in row.consents.all()
        ],
        "productsBySystem": _products_by_system(row, ctx, shown),
        "billingAccount": [
            {"id": a.id, "system": a.system, "number": a.external_id, "billCycle": a.bill_cycle}
            for a in row.billing_accounts.all()
        ],
        "sourceRecord": [
            {"system": link.system, "id": link.external_id, "linkedBy": link.linked_by} for link in row.links.all()
        ],
        "possibleDuplicate": [
            {"customer": {"id": s.candidate_id, "name": full_name(s.candidate)}, "reason": s.reason}
            for s in row.suggestions.all()
        ],
        "lastInteraction": [
            {
                "at": timestamp(i.created_at),
                "channel": i.channel,
                "kind": i.kind,
                "actor": i.actor,
                "summary": i.summary,
            }
            for i in interactions
        ],
        "recommendedOffering": _recommended(recommendations, ctx),
    }
