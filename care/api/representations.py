"""TMF621 TroubleTicket as a dict, for the API, the events and the 360° (``ctx``: ``href`` and ``principal``)."""

from care.models import TroubleTicket
from customers.api.representations import full_name, personal
from overlay.api.representation import compact, timestamp
from overlay.tmf import CUSTOMER, INVENTORY, ORDERING, TROUBLE_TICKET

# The characteristic that says which line or device a product is, per kind (personal: masked for some).
IDENTIFYING = ("MSISDN", "Installation address", "Shipment")
REFERRED_PATHS = {"ProductOrder": f"{ORDERING.base}/productOrder/"}


def ticket_href(ctx, ticket_id: str) -> str:
    return ctx.href(f"{TROUBLE_TICKET.base}/troubleTicket/{ticket_id}")


def _product_entity(ticket: TroubleTicket, ctx) -> dict:
    product = ticket.held_product
    shown = personal(ctx, ticket.customer_id)
    which = next((name for name in IDENTIFYING if product.characteristics.get(name)), None)
    label = product.name
    if which:
        label += f" ({which}: {shown.characteristic(which, str(product.characteristics[which]))})"
    return {
        "id": product.pk,
        "href": ctx.href(f"{INVENTORY.base}/product/{product.pk}"),
        "name": label,
        "role": "affectedProduct",
        "@referredType": "Product",
    }


def _entity(entity: dict, ctx) -> dict:
    path = REFERRED_PATHS.get(entity["kind"])
    return compact(
        {
            "id": entity["id"],
            "href": ctx.href(path + entity["id"]) if path else None,
            "name": entity.get("name"),
            "role": entity["role"],
            "@referredType": entity["kind"],
        }
    )


def trouble_ticket(ticket: TroubleTicket, ctx) -> dict:
    """A ticket from ``care.selectors.tickets_with_related`` rows (customer, product, category, notes, history)."""
    return compact(
        {
            "id": ticket.pk,
            "href": ticket_href(ctx, ticket.pk),
            "name": ticket.name,
            "description": ticket.description,
            "severity": ticket.severity,
            "priority": ticket.priority,
            "ticketType": ticket.category.code,
            "status": ticket.status,
            "statusChangeDate": timestamp(ticket.status_changed_at),
            "statusChangeReason": ticket.status_change_reason or None,
            "creationDate": timestamp(ticket.created_at),
            "lastUpdate": timestamp(ticket.updated_at),
            "requestedResolutionDate": timestamp(ticket.requested_resolution_date),
            "expectedResolutionDate": timestamp(ticket.expected_resolution_date),
            "resolutionDate": timestamp(ticket.resolution_date),
            "externalId": ticket.external_id or None,
            "channel": {"id": ticket.channel, "name": ticket.channel, "@referredType": "SalesChannel"},
            "relatedParty": [
                {
                    "id": ticket.customer_id,
                    "href": ctx.href(f"{CUSTOMER.base}/customer/{ticket.customer_id}"),
                    "name": full_name(ticket.customer),
                    "role": "customer",
                    "@referredType": "Customer",
                }
            ],
            "relatedEntity": [_product_entity(ticket, ctx), *(_entity(e, ctx) for e in ticket.enrichment)],
            "note": [
                {"id": str(n.pk), "author": n.author, "date": timestamp(n.created_at), "text": n.text, "@type": "Note"}
                for n in ticket.notes.all()
            ],
            "statusChange": [
                compact({"status": c.status, "changeDate": timestamp(c.changed_at), "changeReason": c.reason or None})
                for c in ticket.status_changes.all()
            ],
            "@type": "TroubleTicket",
        }
    )
