"""TMF629 customer events, as listeners of customerManagement receive them (published in the caller's transaction)."""

from customers.api.representations import full_name
from customers.models import Customer
from customers.selectors import customers_visible
from events.services import EventHrefs, publish
from overlay.tmf import CUSTOMER


def customer_event(customer: Customer, event_type: str) -> None:
    """CustomerCreateEvent / AttributeValueChangeEvent / StateChangeEvent / DeleteEvent."""
    hrefs = EventHrefs()
    publish(
        api=CUSTOMER.name,
        event_type=event_type,
        resource_type="Customer",
        resource_id=customer.pk,
        event={
            "customer": {
                "id": customer.pk,
                "href": hrefs.href(f"{CUSTOMER.base}/customer/{customer.pk}"),
                "name": full_name(customer),
                "status": customer.status,
                "@type": "Customer",
            }
        },
        visible_to=lambda principal: customers_visible(principal).filter(pk=customer.pk).exists(),
    )
