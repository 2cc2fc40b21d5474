"""TMF622 ProductOrder output from prefetched rows; prices from the order's priced snapshot."""

from decimal import Decimal

from catalog.pricing import explain
from orchestration.charges import charge_from_snapshot
from orchestration.models import CancelProductOrder, ProductOrder, ProductOrderItem
from overlay.api.representation import compact, money, number, timestamp
from overlay.personal_data import shown_to
from overlay.tmf import CATALOG, CUSTOMER, INVENTORY, ORDERING


def order_price(charge: dict) -> dict:
    currency = charge["currency"]
    return compact(
        {
            "name": charge["name"],
            "description": explain(charge_from_snapshot(charge)),
            "priceType": charge["price_type"],
            "recurringChargePeriod": charge["period"] or None,
            "unitOfMeasure": charge["unit_of_measure"] or None,
            "productOfferingPrice": {"id": charge["price_id"], "name": charge["name"]},
            "price": {
                "dutyFreeAmount": money(charge["amount"], currency),
                "taxIncludedAmount": money(charge["total"], currency),
                "taxRate": number(Decimal(charge["tax_rate"])),
            },
            "priceAlteration": [
                {
                    "name": a["name"],
                    "description": a["reason"],
                    "priceType": charge["price_type"],
                    "price": {"dutyFreeAmount": money(a["amount"], currency)},
                }
                for a in charge["alterations"]
            ],
            "@type": "OrderPrice",
        }
    )


def total_price(total: dict) -> dict:
    currency = total["currency"]
    return compact(
        {
            "priceType": total["price_type"],
            "recurringChargePeriod": total["period"] or None,
            "price": {
                "dutyFreeAmount": money(total["amount"], currency),
                "taxIncludedAmount": money(total["total"], currency),
            },
            "@type": "OrderPrice",
        }
    )


def _product_ref(held, ctx) -> dict:
    return {"id": held.pk, "href": ctx.href(f"{INVENTORY.base}/product/{held.pk}"), "name": held.name}


def _product(item: ProductOrderItem, ctx) -> dict | None:
    """The product the item is about: the one it put in place once done (an add), the one it changes (a
    modify or delete); an add-on names the product it adds on to as a relationship. Personal characteristics
    (an installation address, a device's serial number) are masked for who may not see them in full."""
    shown = shown_to(ctx.principal, item.order.customer_id)
    values = shown.characteristics(item.characteristics) if item.characteristics else {}
    product = {"productCharacteristic": [{"name": k, "value": v} for k, v in values.items()]}
    held, delivered = item.held_product, item.product
    if item.action == ProductOrderItem.Action.ADD:
        if held is not None:
            product["productRelationship"] = [{"relationshipType": "addOn", "product": _product_ref(held, ctx)}]
        if delivered is not None:
            product.update(_product_ref(delivered, ctx))
    elif delivered is not None or held is not None:
        product.update(_product_ref(delivered or held, ctx))
    product = compact(product)
    return {**product, "@type": "Product"} if product else None


def order_item(item: ProductOrderItem, ctx) -> dict:
    totals: dict[tuple, list[Decimal]] = {}
    for charge in item.item_price:
        key = (charge["price_type"], charge["period"], charge["currency"])
        bucket = totals.setdefault(key, [Decimal(0), Decimal(0)])
        bucket[0] += Decimal(charge["amount"])
        bucket[1] += Decimal(charge["total"])
    return compact(
        {
            "id": item.item_id,
            "action": item.action,
            "quantity": item.quantity,
            "state": item.state,
            "productOffering": compact(
                {
                    "id": item.offering_id,
                    "href": ctx.href(f"{CATALOG.base}/productOffering/{item.offering_id}"),
                    "name": item.offering_name or None,
                }
            )
            if item.offering_id
            else None,
            "product": _product(item, ctx),
            "productOrderItem": [
                {"id": f"{item.item_id}.{n}", "action": item.action, "quantity": count, "productOffering": {"id": oid}}
                for n, (oid, count) in enumerate(item.members.items(), start=1)
            ],
            "itemPrice": [order_price(c) for c in item.item_price],
            "itemTotalPrice": [
                total_price({"price_type": t, "period": p, "currency": c, "amount": str(a), "total": str(total)})
                for (t, p, c), (a, total) in totals.items()
            ],
            "@type": "ProductOrderItem",
        }
    )


def product_order(order: ProductOrder, ctx) -> dict:
    return compact(
        {
            "id": order.pk,
            "href": ctx.href(f"{ORDERING.base}/productOrder/{order.pk}"),
            "state": order.state,
            "orderDate": timestamp(order.order_date),
            "completionDate": timestamp(order.completion_date),
            "description": order.description or None,
            "externalId": order.external_id or None,
            "priority": order.priority or None,
            "channel": [{"id": order.channel, "name": order.channel, "@referredType": "SalesChannel"}],
            "note": order.note,
            "relatedParty": [
                {
                    "id": order.customer_id,
                    "href": ctx.href(f"{CUSTOMER.base}/customer/{order.customer_id}"),
                    "role": "customer",
                    "@referredType": "Customer",
                }
            ],
            "productOrderItem": [order_item(i, ctx) for i in order.items.all()],
            "orderTotalPrice": [total_price(t) for t in order.order_total_price],
            "cancellationDate": timestamp(order.cancellation_date),
            "cancellationReason": order.cancellation_reason or None,
            "requestedCompletionDate": timestamp(order.requested_completion_date),
            "category": order.category or None,
            # Overlay extensions.
            "stateReason": order.state_reason or None,
            "shoppingCart": {"id": order.cart_id} if order.cart_id else None,
            "lastUpdate": timestamp(order.last_update),
            "@type": "ProductOrder",
        }
    )


def cancel_product_order(cancellation: CancelProductOrder, ctx) -> dict:
    return compact(
        {
            "id": cancellation.pk,
            "href": ctx.href(f"{ORDERING.base}/cancelProductOrder/{cancellation.pk}"),
            "state": cancellation.state,
            "cancellationReason": cancellation.cancellation_reason or None,
            "requestedCancellationDate": timestamp(cancellation.requested_cancellation_date),
            "effectiveCancellationDate": timestamp(cancellation.effective_cancellation_date),
            "productOrder": {
                "id": cancellation.order_id,
                "href": ctx.href(f"{ORDERING.base}/productOrder/{cancellation.order_id}"),
                "@referredType": "ProductOrder",
            },
            "@type": "CancelProductOrder",
        }
    )
