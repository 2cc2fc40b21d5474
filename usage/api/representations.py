"""TMF635 Usage and TMF677 QueryUsageConsumption bodies, from the domain's rows and values.

A usage record is a TMF635 ``Usage``: its metric is the ``usageType``, its quantity, unit and attributes
(a roaming zone...) ``usageCharacteristic``s, and its share of its period's charge one
``ratedProductUsage`` (``usage.selectors.rated_records``). Overlay does not invoice: ``isBilled`` is
always false.

A consumption query's report is one ``usageConsumption`` per product, one ``bucketRefOrValue`` per metric
and billing period. TMF677's ``bucketCounter`` (``ConsumptionSummary``) carries each figure by its
``counterType``: ``used``, ``outOfBucket`` (beyond the included units), ``projected`` (at the period's
end, at the pace so far), ``amount`` (so far, tax excluded), ``amountTaxIncluded``,
``projectedAmount`` (tax excluded) and ``serviceCredit`` (outcome prices); amounts are quantities in
their currency, as TMF677 models a bucket of money. ``remainingValue`` holds the included units left.
"""

from datetime import date, datetime
from decimal import Decimal

from catalog.selectors import UsageMetricData
from overlay.api.representation import compact, money, number, timestamp
from overlay.personal_data import personal_characteristics, shown_to
from overlay.tmf import CONSUMPTION, CUSTOMER, INVENTORY, USAGE
from usage.models import QueryUsageConsumption, UsageRecord
from usage.periods import at_midnight
from usage.selectors import RatedRecord

RATED, RECEIVED = "rated", "received"


def customer_ref(customer_id: str, ctx) -> dict:
    return {
        "id": customer_id,
        "href": ctx.href(f"{CUSTOMER.base}/customer/{customer_id}"),
        "role": "customer",
        "@referredType": "Customer",
    }


def product_ref(product_id: str, name: str, ctx) -> dict:
    return compact(
        {
            "id": product_id,
            "href": ctx.href(f"{INVENTORY.base}/product/{product_id}"),
            "name": name,
            "@referredType": "Product",
        }
    )


def _characteristic(name: str, value) -> dict:
    if isinstance(value, bool):
        kind = "boolean"
    elif isinstance(value, (int, float, Decimal)):
        kind = "number"
    elif isinstance(value, (dict, list)):
        kind = "object"
    else:
        kind, value = "string", str(value)
    return {"name": name, "valueType": kind, "value": number(value) if isinstance(value, Decimal) else value}


def _attributes(record: UsageRecord, ctx) -> dict:
    """A record's attributes; those named as personal (a calling number, an MSISDN) masked for whoever
    may not see the customer's personal data in full."""
    attributes = record.attributes or {}
    personal = personal_characteristics() & {name.lower() for name in attributes}
    if not personal:
        return attributes
    shown = shown_to(ctx.principal, record.customer_id)
    return {
        name: shown.characteristic(name, str(value)) if name.lower() in personal else value
        for name, value in attributes.items()
    }


def usage(rated: RatedRecord, metric: UsageMetricData | None, ctx) -> dict:
    record: UsageRecord = rated.record
    unit = metric.unit if metric else ""
    quantity = record.quantity.normalize()
    characteristics = [
        _characteristic("metric", record.metric_id),
        _characteristic("quantity", quantity),
        *([_characteristic("unit", unit)] if unit else []),
        *(_characteristic(name, value) for name, value in sorted(_attributes(record, ctx).items())),
    ]
    rating = {"isBilled": False, "productRef": product_ref(record.product_id, record.product_name, ctx)}
    price = rated.price
    if price is not None and rated.amount is not None:
        rating.update(
            {
                "ratingAmountType": "total",
                "taxExcludedRatingAmount": money(rated.amount, price.currency),
                "taxIncludedRatingAmount": money(rated.amount + rated.tax, price.currency),
                "taxRate": number(price.tax_rate),
                "usageRatingTag": _rating_tag(rated),
                "offerTariffType": price.tiering or "flat",
                "@type": "RatedProductUsage",
            }
        )
    name = metric.name if metric else record.metric_id
    return {
        "id": str(record.pk),
        "href": ctx.href(f"{USAGE.base}/usage/{record.pk}"),
        "description": f"{name}: {format(quantity, 'f')} {unit}".rstrip(),
        "usageDate": timestamp(record.start),
        "usageType": record.metric_id,
        "status": RATED if record.price_id else RECEIVED,
        "usageCharacteristic": characteristics,
        "relatedParty": [customer_ref(record.customer_id, ctx)],
        "ratedProductUsage": [rating],
        "@type": "Usage",
    }


def _rating_tag(rated: RatedRecord) -> str:
    """TMF635's tags: rated outside any bundle, inside the included units, or once they are used up."""
    if not rated.price.included_units:
        return "usage"
    return "included usage" if not rated.amount else "non included usage"


# --- TMF677 ---------------------------------------------------------------------------------------
def query_usage_consumption(query: QueryUsageConsumption, ctx) -> dict:
    asked = query.asked
    criteria = compact(
        {
            "product": [{"id": pk, "href": ctx.href(f"{INVENTORY.base}/product/{pk}")} for pk in asked["product_ids"]],
            "relatedParty": [customer_ref(asked["customer_id"], ctx)] if asked.get("customer_id") else [],
            "validPeriod": {"startDateTime": _moment(asked["start"]), "endDateTime": _moment(asked["end"])},
            "@type": "UsageConsumption",
        }
    )
    return compact(
        {
            "id": query.pk,
            "href": ctx.href(f"{CONSUMPTION.base}/queryUsageConsumption/{query.pk}"),
            "queryUsageConsumptionDate": timestamp(query.created_at),
            "relatedParty": [customer_ref(query.customer_id, ctx)] if query.customer_id else [],
            "searchCriteria": criteria,
            "usageConsumption": [_consumption(item, query, ctx) for item in query.report],
            "@type": "QueryUsageConsumption",
        }
    )


def _moment(iso: str) -> str:
    return timestamp(datetime.fromisoformat(iso))


def _period(start: str, end: str) -> dict:
    return {
        "startDateTime": timestamp(at_midnight(date.fromisoformat(start))),
        "endDateTime": timestamp(at_midnight(date.fromisoformat(end))),
    }


def _consumption(item: dict, query: QueryUsageConsumption, ctx) -> dict:
    product = item["product"]
    return {
        "name": product["name"],
        "description": f"Usage of {product['name']}, per metric and billing period",
        "state": "done",
        "creationDate": timestamp(query.created_at),
        "validPeriod": _period(item["period_start"], item["period_end"]),
        "product": [product_ref(product["id"], product["name"], ctx)],
        "relatedParty": [customer_ref(item["customer_id"], ctx)],
        "bucketRefOrValue": [_bucket(bucket, product["id"], ctx) for bucket in item["buckets"]],
        "@type": "UsageConsumption",
    }


def _quantity(value: str, unit: str) -> dict:
    return {"amount": number(Decimal(value)), "units": unit}


def _counter(kind: str, value: str, unit: str, period: dict | None = None) -> dict:
    return compact(
        {
            "counterType": kind,
            "level": "global",
            "value": _quantity(value, unit),
            "valueName": f"{value} {unit}".rstrip(),
            "consumptionPeriod": period,
            "@type": "ConsumptionSummary",
        }
    )


def _bucket(bucket: dict, product_id: str, ctx) -> dict:
    unit, currency = bucket["unit"], bucket["currency"]
    period = _period(bucket["period_start"], bucket["period_end"])
    counters = [_counter("used", bucket["used"], unit, period)]
    if bucket["out_of_bucket"] is not None:
        counters.append(_counter("outOfBucket", bucket["out_of_bucket"], unit, period))
    counters.append(_counter("projected", bucket["projected"], unit, period))
    if bucket["priced"] and currency:
        taxed = str(Decimal(bucket["amount"]) + Decimal(bucket["tax"]))
        counters += [
            _counter("amount", bucket["amount"], currency, period),
            _counter("amountTaxIncluded", taxed, currency, period),
            _counter("projectedAmount", bucket["projected_amount"], currency, period),
        ]
        if Decimal(bucket["credit"]):
            counters.append(_counter("serviceCredit", bucket["credit"], currency, period))
    remaining = bucket["remaining"]
    return compact(
        {
            "id": f"{product_id}.{bucket['metric']}.{bucket['period_start']}",
            "name": bucket["name"],
            "description": f"{bucket['name']} from {bucket['period_start']} to {bucket['period_end']}",
            "usageType": bucket["metric"],
            "status": "active" if bucket["current"] else "expired",
            "isShared": False,
            "validFor": period,
            "remainingValue": _quantity(remaining, unit) if remaining is not None else None,
            "remainingValueName": f"{remaining} {unit}".rstrip() if remaining is not None else None,
            "bucketCounter": counters,
            "@type": "BucketRefOrValue",
        }
    )
