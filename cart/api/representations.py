"""TMF663 ShoppingCart, hand-off and TMF679 output, as dicts from prefetched rows and the assessment."""

from cart.models import CartItem, Handoff, Qualification, ShoppingCart
from catalog.api.representations import ref as catalog_ref
from catalog.pricing import Charge, Total, explain
from orchestration.assessment import Assessment
from overlay.api.representation import compact, money, number, time_period, timestamp
from overlay.tmf import CART, CATALOG, CUSTOMER, INVENTORY, QUALIFICATION


def cart_price(charge: Charge) -> dict:
    """A TMF CartPrice: the charge after alterations, with its tax, and the alterations applied."""
    return compact(
        {
            "name": charge.name,
            "description": explain(charge),
            "priceType": charge.price_type,
            "recurringChargePeriod": charge.period or None,
            "unitOfMeasure": charge.unit_of_measure or None,
            "productOfferingPrice": {"id": charge.price_id, "name": charge.name},
            "price": {
                "dutyFreeAmount": money(charge.amount, charge.currency),
                "taxIncludedAmount": money(charge.total, charge.currency),
                "taxRate": number(charge.tax_rate),
            },
            "priceAlteration": [
                {
                    "name": a.name,
                    "description": a.reason,
                    "priceType": charge.price_type,
                    "recurringChargePeriod": charge.period or None,
                    "price": {"dutyFreeAmount": money(a.amount, charge.currency)},
                }
                for a in charge.alterations
            ],
            "@type": "CartPrice",
        }
    )


def total_price(total: Total) -> dict:
    return compact(
        {
            "name": {"oneTime": "Total one-time", "recurring": "Total recurring", "usage": "Total usage"}.get(
                total.price_type, total.price_type
            ),
            "priceType": total.price_type,
            "recurringChargePeriod": total.period or None,
            "price": {
                "dutyFreeAmount": money(total.amount, total.currency),
                "taxIncludedAmount": money(total.total, total.currency),
            },
            "@type": "CartPrice",
        }
    )


def _product(item: CartItem, assessment: Assessment, ctx) -> dict | None:
    quote = assessment.quotes.get(item.pk)
    chosen = dict(quote.characteristics) if quote else item.characteristics
    held = item.held_product
    held_ref = (
        {"id": held.pk, "href": ctx.href(f"{INVENTORY.base}/product/{held.pk}"), "name": held.name}
        if held is not None
        else None
    )
    product = {
        "productCharacteristic": [{"name": name, "value": value} for name, value in chosen.items()],
        "@type": "Product",
    }
    if held_ref and item.action == CartItem.Action.ADD:
        product["productRelationship"] = [{"relationshipType": "addOn", "product": held_ref}]
    elif held_ref:
        product.update(held_ref)
    return compact(product)


def cart_item(item: CartItem, assessment: Assessment, ctx) -> dict:
    quote = assessment.quotes.get(item.pk)
    members = [
        {"id": f"{item.pk}.{index}", "quantity": count, "productOffering": {"id": offering_id}}
        for index, (offering_id, count) in enumerate(item.members.items(), start=1)
    ]
    return compact(
        {
            "id": str(item.pk),
            "action": item.action,
            "quantity": item.quantity,
            "status": item.status,
            "productOffering": catalog_ref(ctx, "productOffering", item.offering_id, item.offering.name)
            if item.offering
            else None,
            "product": _product(item, assessment, ctx),
            "cartItem": members,
            "itemPrice": [cart_price(c) for c in quote.charges] if quote else [],
            # The v4 swagger spells it with a capital I.
            "ItemTotalPrice": [total_price(t) for t in quote.totals] if quote else [],
            "note": [{"text": item.note}] if item.note else [],
            "@type": "CartItem",
        }
    )


def validation(assessment: Assessment) -> dict:
    return {
        "valid": assessment.valid,
        "problem": [
            compact({"cartItemId": p.key or None, "rule": p.rule, "message": p.message}) for p in assessment.problems
        ],
    }


def shopping_cart(cart: ShoppingCart, assessment: Assessment, ctx) -> dict:
    customer = cart.customer
    return compact(
        {
            "id": cart.pk,
            "href": ctx.href(f"{CART.base}/shoppingCart/{cart.pk}"),
            "validFor": time_period(cart.created_at, cart.expires_at),
            "relatedParty": [
                {
                    "id": customer.pk,
                    "href": ctx.href(f"{CUSTOMER.base}/customer/{customer.pk}"),
                    "role": "customer",
                    "@referredType": "Customer",
                }
            ]
            if customer
            else [],
            "contactMedium": cart.contact_medium,
            "cartItem": [cart_item(i, assessment, ctx) for i in cart.items.all()],
            "cartTotalPrice": [total_price(t) for t in assessment.totals],
            # Overlay extensions (ignored by clients that do not know them).
            "status": cart.status,
            "channel": cart.channel,
            "lastUpdate": timestamp(cart.updated_at),
            "pricedAt": timestamp(assessment.priced_at),
            "validation": validation(assessment),
            "productOrder": {"id": cart.order_id} if cart.order_id else None,
            "mergedInto": {"id": cart.merged_into_id} if cart.merged_into_id else None,
            "@type": "ShoppingCart",
        }
    )


def handoff_created(created, deep_link: str, qr_code: str) -> dict:
    handoff: Handoff = created.handoff
    return {
        "code": created.code,
        "expiresAt": timestamp(handoff.expires_at),
        "deepLink": deep_link,
        "qrCode": qr_code,
        "shoppingCart": {"id": handoff.cart_id},
    }


def handoff_claimed(handoff: Handoff, cart_body: dict) -> dict:
    return {
        "shoppingCart": cart_body,
        "context": handoff.context,
        "fromChannel": handoff.from_channel,
        "handedOffAt": timestamp(handoff.created_at),
        "claimedAt": timestamp(handoff.claimed_at),
    }


def qualification(row: Qualification, ctx) -> dict:
    results = {item["result"] for item in row.items}
    overall = results.pop() if len(results) == 1 else ("partial" if results else "qualified")
    asked_at = timestamp(row.created_at)
    expected = timestamp(row.expected_at)
    return compact(
        {
            "id": row.pk,
            "href": ctx.href(f"{QUALIFICATION.base}/productOfferingQualification/{row.pk}"),
            "description": row.description or None,
            "state": row.state,
            "qualificationResult": overall,
            "productOfferingQualificationDate": asked_at,
            "productOfferingQualificationDateTime": asked_at,  # TMF679 R18's name
            "effectiveQualificationDate": asked_at,
            "requestedPOQCompletionDate": expected,
            "expectedQualificationDate": expected,  # TMF679 R18's name
            "instantSyncQualification": True,
            "provideAlternative": row.provide_alternative,
            "provideOnlyAvailable": row.provide_only_available,
            "provideUnavailabilityReason": row.provide_unavailability_reason,
            "channel": {"id": row.channel, "name": row.channel},
            "relatedParty": [
                {
                    "id": row.customer_id,
                    "href": ctx.href(f"{CUSTOMER.base}/customer/{row.customer_id}"),
                    "role": "customer",
                    "@referredType": "Customer",
                }
            ]
            if row.customer_id
            else [],
            "place": _qualification_place(row.place),
            "productOfferingQualificationItem": [
                _qualification_item(item, index, row.provide_unavailability_reason, ctx)
                for index, item in enumerate(row.items, start=1)
            ],
            "@type": "ProductOfferingQualification",
        }
    )


def _qualification_place(place: dict) -> list[dict]:
    if not place:
        return []
    return [
        compact(
            {
                "role": "installationAddress",
                "postcode": place.get("postcode"),
                "streetNr": place.get("house_number") or None,
                "streetName": place.get("street") or None,
                "city": place.get("city") or None,
                "@type": "GeographicAddress",
            }
        )
    ]


def _qualification_item(item: dict, index: int, with_reasons: bool, ctx) -> dict:
    offering, category = item.get("offering_id"), item.get("category")
    return compact(
        {
            "id": item.get("id") or str(index),  # answers kept before items kept their ids
            "state": "done",
            "qualificationItemResult": item["result"],
            "productOffering": _offering_ref(offering, item["name"], ctx) if offering else None,
            "category": compact(
                {
                    "id": category["id"],
                    "href": ctx.href(f"{CATALOG.base}/category/{category['id']}"),
                    "name": category["name"] or None,
                    "@referredType": "Category",
                }
            )
            if category
            else None,
            "eligibilityUnavailabilityReason": [{"code": r["code"], "label": r["label"]} for r in item["reasons"]]
            if with_reasons
            else [],
            "alternateProductOfferingProposal": [
                {
                    "id": str(n),
                    "alternateProductOffering": _offering_ref(alt["offering_id"], alt["name"], ctx),
                    "@type": "AlternateProductOfferingProposal",
                }
                for n, alt in enumerate(item.get("alternatives") or [], start=1)
            ],
            "@type": "ProductOfferingQualificationItem",
        }
    )


def _offering_ref(offering_id: str, name: str, ctx) -> dict:
    return compact(
        {
            "id": offering_id,
            "href": ctx.href(f"{CATALOG.base}/productOffering/{offering_id}"),
            "name": name or None,
            "@referredType": "ProductOffering",
        }
    )
