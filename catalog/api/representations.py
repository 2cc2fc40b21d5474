"""Catalog output: TMF620 v4 representations built as dicts from prefetched or plain rows (no N+1)."""

from catalog.models import Category, ProductOfferingPrice, ProductSpecification
from catalog.offering_rows import OfferingRow
from catalog.pricing import Charge, ItemQuote, Quote, Total
from overlay.api.representation import compact, money, number, time_period, timestamp
from overlay.tmf import CATALOG


def ref(ctx, resource: str, obj_id: str, name: str, referred_type: str | None = None) -> dict:
    return compact(
        {
            "id": obj_id,
            "href": ctx.href(f"{CATALOG.base}/{resource}/{obj_id}"),
            "name": name,
            "@referredType": referred_type,
        }
    )


def _common(obj, ctx, resource: str, type_name: str) -> dict:
    return {
        "id": obj.id,
        "href": ctx.href(f"{CATALOG.base}/{resource}/{obj.id}"),
        "name": obj.name,
        "description": obj.description or None,
        "version": obj.version or None,
        "lifecycleStatus": obj.lifecycle_status,
        "lastUpdate": timestamp(obj.last_update),
        "validFor": time_period(obj.valid_from, obj.valid_to),
        "@type": type_name,
    }


def product_offering(offering: OfferingRow, ctx) -> dict:
    """From its row (``catalog.offering_rows``): a page renders plain rows, not model instances."""
    return compact(
        {
            **_common(offering, ctx, "productOffering", "ProductOffering"),
            "isBundle": offering.is_bundle,
            "isSellable": offering.is_sellable,
            "statusReason": offering.status_reason or None,
            "productSpecification": ref(
                ctx,
                "productSpecification",
                offering.specification_id,
                offering.specification_name,
                "ProductSpecification",
            )
            if offering.specification_id
            else None,
            "category": [ref(ctx, "category", pk, name, "Category") for pk, name in offering.categories],
            "channel": [{"id": pk, "name": name, "@referredType": "Channel"} for pk, name in offering.channels],
            "marketSegment": [
                {"id": pk, "name": name, "@referredType": "MarketSegment"} for pk, name in offering.segments
            ],
            "productOfferingPrice": [
                ref(ctx, "productOfferingPrice", pk, name, "ProductOfferingPrice") for pk, name in offering.prices
            ],
            "bundledProductOffering": [
                {
                    **ref(ctx, "productOffering", m.id, m.name),
                    "lifecycleStatus": m.lifecycle_status,
                    "bundledProductOfferingOption": {
                        "numberRelOfferLowerLimit": m.lower_limit,
                        "numberRelOfferUpperLimit": m.upper_limit,
                        "numberRelOfferDefault": m.default_count,
                    },
                }
                for m in offering.members
            ],
        }
    )


def _characteristic_value(value) -> dict:
    return compact(
        {
            "value": value.value or None,
            "valueFrom": value.value_from or None,
            "valueTo": value.value_to or None,
            "unitOfMeasure": value.unit_of_measure or None,
            "isDefault": value.is_default,
            "@type": "ProductSpecificationCharacteristicValue",
        }
    )


def product_specification(spec: ProductSpecification, ctx) -> dict:
    return compact(
        {
            **_common(spec, ctx, "productSpecification", "ProductSpecification"),
            "brand": spec.brand or None,
            "productNumber": spec.product_number or None,
            "isBundle": spec.is_bundle,
            "productSpecCharacteristic": [
                compact(
                    {
                        "name": c.name,
                        "description": c.description or None,
                        "valueType": c.value_type,
                        "configurable": c.configurable,
                        "minCardinality": c.min_cardinality,
                        "maxCardinality": c.max_cardinality,
                        "regex": c.regex or None,
                        "productSpecCharacteristicValue": [_characteristic_value(v) for v in c.values.all()],
                        "@type": "ProductSpecificationCharacteristic",
                    }
                )
                for c in spec.characteristics.all()
            ],
        }
    )


def _money(amount, currency: str) -> dict | None:
    return None if amount is None else money(amount, currency)


def product_offering_price(price: ProductOfferingPrice, ctx) -> dict:
    tiers = list(price.tiers.all())
    algorithm = None
    if tiers:
        algorithm = [
            compact(
                {
                    "name": price.tiering or "graduated",
                    "description": "Graduated: each unit at its tier's rate"
                    if price.tiering != "volume"
                    else "Volume: all units at the rate of the tier reached",
                    "includedUnits": number(price.included_units) or None,
                    "tier": [
                        compact(
                            {
                                "lowerLimit": number(t.lower),
                                "upperLimit": number(t.upper),
                                "unitPrice": _money(t.unit_amount, price.currency),
                            }
                        )
                        for t in tiers
                    ],
                    "@type": "TieredPricing",
                }
            )
        ]
    return compact(
        {
            **_common(price, ctx, "productOfferingPrice", "ProductOfferingPrice"),
            "isBundle": False,
            "priceType": price.price_type,
            "price": _money(price.amount, price.currency),
            "percentage": number(price.percentage),
            "recurringChargePeriodType": price.recurring_period or None,
            "recurringChargePeriodLength": price.recurring_period_length if price.recurring_period else None,
            "unitOfMeasure": {"amount": 1, "units": price.unit_of_measure} if price.unit_of_measure else None,
            "tax": [{"taxCategory": price.tax_category, "taxRate": number(price.tax_rate), "@type": "TaxItem"}]
            if price.tax_category or price.tax_rate
            else [],
            "pricingLogicAlgorithm": algorithm,
            "prodSpecCharValueUse": [
                {"name": price.char_name, "productSpecCharacteristicValue": [{"value": price.char_value}]}
            ]
            if price.char_name
            else [],
        }
    )


def category(cat: Category, ctx) -> dict:
    return compact(
        {
            **_common(cat, ctx, "category", "Category"),
            "isRoot": cat.parent_id is None,
            "parentId": cat.parent_id,
            "subCategory": [ref(ctx, "category", c.id, c.name) for c in cat.children.all()],
            "productOffering": [ref(ctx, "productOffering", o.id, o.name) for o in cat.offerings.all()],
        }
    )


# --- quotes (Overlay pricing API) -----------------------------------------------------
def _charge(charge: Charge) -> dict:
    return compact(
        {
            "productOfferingPrice": {"id": charge.price_id, "name": charge.name},
            "productOfferingId": charge.offering_id,
            "priceType": charge.price_type,
            "recurringChargePeriod": charge.period or None,
            "unitOfMeasure": charge.unit_of_measure or None,
            "quantity": number(charge.quantity),
            "grossAmount": money(charge.gross_amount, charge.currency),
            "priceAlteration": [
                {"name": a.name, "reason": a.reason, "amount": money(a.amount, charge.currency)}
                for a in charge.alterations
            ],
            "dutyFreeAmount": money(charge.amount, charge.currency),
            "taxRate": number(charge.tax_rate),
            "taxAmount": money(charge.tax_amount, charge.currency),
            "taxIncludedAmount": money(charge.total, charge.currency),
            "usageTier": [
                compact(
                    {
                        "lowerLimit": number(t.lower),
                        "upperLimit": number(t.upper),
                        "units": number(t.units),
                        "unitPrice": money(t.unit_amount, charge.currency),
                        "amount": money(t.amount, charge.currency),
                    }
                )
                for t in charge.tiers
            ],
            "usageRate": [
                compact(
                    {
                        "fromUnits": number(t.lower),
                        "toUnits": number(t.upper),
                        "unitPrice": money(t.unit_amount, charge.currency),
                    }
                )
                for t in charge.unit_rates
            ],
        }
    )


def _total(total: Total) -> dict:
    return compact(
        {
            "priceType": total.price_type,
            "recurringChargePeriod": total.period or None,
            "price": {
                "dutyFreeAmount": money(total.amount, total.currency),
                "taxIncludedAmount": money(total.total, total.currency),
                "taxAmount": money(total.tax_amount, total.currency),
            },
        }
    )


def item_quote(item: ItemQuote) -> dict:
    return compact(
        {
            "productOffering": {"id": item.offering_id, "name": item.offering_name},
            "quantity": item.quantity,
            "characteristic": dict(item.characteristics),
            "charge": [_charge(c) for c in item.charges],
            "itemTotalPrice": [_total(t) for t in item.totals],
        }
    )


def quote(result: Quote) -> dict:
    return {
        "pricedAt": timestamp(result.priced_at),
        "item": [item_quote(i) for i in result.items],
        "totalPrice": [_total(t) for t in result.totals],
    }
