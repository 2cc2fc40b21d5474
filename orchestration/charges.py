"""The priced snapshot: charges and totals as an order (or a cart's price promise) keeps them, in plain
values, and back; the API renders them the TMF way."""

from decimal import Decimal

from catalog.pricing import AppliedAlteration, Charge, Total


def charge_snapshot(charge: Charge) -> dict:
    """A charge as the order keeps it (plain values; the API renders it the TMF way): what it costs and why."""
    return {
        "price_id": charge.price_id,
        "offering_id": charge.offering_id,
        "name": charge.name,
        "price_type": charge.price_type,
        "period": charge.period,
        "unit_of_measure": charge.unit_of_measure,
        "currency": charge.currency,
        "quantity": str(charge.quantity),
        "gross_amount": str(charge.gross_amount),
        "amount": str(charge.amount),
        "tax_rate": str(charge.tax_rate),
        "tax_amount": str(charge.tax_amount),
        "total": str(charge.total),
        "alterations": [{"name": a.name, "reason": a.reason, "amount": str(a.amount)} for a in charge.alterations],
    }


def charge_from_snapshot(kept: dict) -> Charge:
    """The charge a snapshot keeps (a promised price, carried from one channel to another)."""
    alterations = tuple(
        AppliedAlteration(a["name"], a["reason"], Decimal(a["amount"])) for a in kept.get("alterations", ())
    )
    amount = Decimal(kept["amount"])
    return Charge(
        price_id=kept["price_id"],
        offering_id=kept["offering_id"],
        name=kept["name"],
        price_type=kept["price_type"],
        period=kept["period"],
        unit_of_measure=kept["unit_of_measure"],
        currency=kept["currency"],
        quantity=Decimal(kept.get("quantity", "1")),
        gross_amount=Decimal(kept.get("gross_amount", amount - sum((a.amount for a in alterations), Decimal(0)))),
        alterations=alterations,
        amount=amount,
        tax_rate=Decimal(kept["tax_rate"]),
        tax_amount=Decimal(kept["tax_amount"]),
        total=Decimal(kept["total"]),
    )


def total_snapshot(totals: tuple[Total, ...]) -> list[dict]:
    return [
        {
            "price_type": t.price_type,
            "period": t.period,
            "currency": t.currency,
            "amount": str(t.amount),
            "tax_amount": str(t.tax_amount),
            "total": str(t.total),
        }
        for t in totals
    ]
