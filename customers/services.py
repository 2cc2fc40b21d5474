"""Domain actions on customers: party and customer management (TMF629, TMF632), products Overlay keeps
(TMF637), consents, interactions, and what orders deliver. Linking and importing back-office
records are ``customers.linking`` and ``customers.imports``.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from customers import events
from customers.models import Consent, Customer, HeldProduct, Interaction, new_id
from overlay.bulk import insert_rows
from overlay.errors import Conflict, Forbidden, UnprocessableEntity


def interaction_record(*, customer_id: str, channel: str, actor: str, kind: str, summary: str) -> Interaction:
    """Record a touch of the customer (agents' views and actions, channel events)."""
    return Interaction.objects.create(
        customer_id=customer_id, channel=channel, actor=actor[:150], kind=kind, summary=summary[:300]
    )


@dataclass(frozen=True)
class DeliveredProduct:
    """A product an order put in place: where it lives, what it is, what the systems assigned, and the
    charges agreed for it (the order's, per unit: ``price``)."""

    system: str
    external_id: str
    name: str
    product_code: str
    characteristics: dict
    billing_account_ref: str = ""
    offering_id: str | None = None
    price: list = field(default_factory=list)


def held_product_delivered(customer_id: str, product: DeliveredProduct) -> HeldProduct:
    """Record a product an order delivered; it shows in the inventory and 360° at once.

    Idempotent on the product's source identity, so a later sync of the same system updates
    this row instead of adding a second one.
    """
    held, _ = HeldProduct.objects.update_or_create(
        system=product.system,
        external_id=product.external_id,
        defaults={
            "customer_id": customer_id,
            "name": product.name,
            "product_code": product.product_code[:100],
            "status": HeldProduct.Status.ACTIVE,
            "characteristics": product.characteristics,
            "billing_account_ref": product.billing_account_ref,
            "offering_id": product.offering_id,
            "price": product.price,
            "start_date": timezone.now(),
            "termination_date": None,
            "source_hash": "",
        },
    )
    return held


def held_products_delivered(customer_id: str, products: list[DeliveredProduct]) -> list[HeldProduct]:
    """``held_product_delivered`` for several products at once, in one statement (an upsert on their source
    identity, returning their ids): the order's fulfilment writes them while it holds the order's lock."""
    now = timezone.now()
    rows = {
        (p.system, p.external_id): HeldProduct(
            customer_id=customer_id,
            system=p.system,
            external_id=p.external_id,
            name=p.name,
            product_code=p.product_code[:100],
            status=HeldProduct.Status.ACTIVE,
            characteristics=p.characteristics,
            billing_account_ref=p.billing_account_ref,
            offering_id=p.offering_id,
            price=p.price,
            start_date=now,
            termination_date=None,
            source_hash="",
            updated_at=now,
        )
        for p in products
    }
    if not rows:
        return []
    fields = ["customer", "name", "product_code", "status", "characteristics", "billing_account_ref", "offering"]
    fields += ["price", "start_date", "termination_date", "source_hash", "updated_at"]
    stored = insert_rows(
        HeldProduct,
        ["id", "system", "external_id", *fields],
        [
            tuple(getattr(h, HeldProduct._meta.get_field(f).attname) for f in ["id", "system", "external_id", *fields])
            for h in rows.values()
        ],
        conflict=["system", "external_id"],
        update=fields,
        returning=["system", "external_id", "id", "source_version"],
    )
    # A product already known (a sync saw it first) keeps its row, id and source version: they come back.
    for system, external_id, pk, version in stored:
        held = rows[(system, external_id)]
        held.id, held.source_version = pk, version
        held._state.adding, held._state.db = False, connection.alias
    return [rows[(p.system, p.external_id)] for p in products]


def held_product_ended(system: str, external_id: str) -> None:
    """A product an order delivered was undone (the order failed or was cancelled)."""
    HeldProduct.objects.filter(system=system, external_id=external_id).update(
        status=HeldProduct.Status.TERMINATED, termination_date=timezone.now()
    )


@dataclass(frozen=True)
class ProductChange:
    """What an in-life order made of a held product: the offering it moved to, under its name, at the
    charges agreed for the change (per unit); and what the systems assigned."""

    offering_id: str | None = None
    name: str = ""
    price: list = field(default_factory=list)
    characteristics: dict = field(default_factory=dict)


def held_product_changed(held_product_id: str, change: ProductChange | None = None, *, terminate: bool) -> None:
    """An in-life order changed (``change``: a plan change moves it to another offering) or ended a held product."""
    held = HeldProduct.objects.select_for_update().get(pk=held_product_id)
    if change is not None:
        held.characteristics = {**held.characteristics, **change.characteristics}
        if change.offering_id:
            held.offering_id, held.name, held.price = change.offering_id, change.name or held.name, change.price
    if terminate:
        held.status, held.termination_date = HeldProduct.Status.TERMINATED, timezone.now()
    held.save()


# --- customer management (TMF629 / TMF632 writes) ----------------------------------------------
EDITABLE = (
    "given_name",
    "family_name",
    "organization_name",
    "birth_date",
    "email",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
    "segment",
    "status",
)


@dataclass(frozen=True)
class Actor:
    """Who changes a customer: staff changes are recorded as interactions."""

    channel: str
    name: str
    is_staff: bool


def _record_edit(customer: Customer, actor: Actor, summary: str) -> None:
    if actor.is_staff:
        interaction_record(
            customer_id=customer.pk, channel=actor.channel, actor=actor.name, kind="edit", summary=summary
        )


def _apply(customer: Customer, data: dict) -> list[str]:
    changed = [name for name in EDITABLE if name in data and getattr(customer, name) != data[name]]
    for name in changed:
        setattr(customer, name, data[name])
    return changed


@transaction.atomic
def party_create(data: dict, *, kind: str, actor: Actor) -> Customer:
    """Create a person or organization known to Overlay only (a prospect until it becomes a customer)."""
    customer = Customer(id=new_id(), kind=kind, status=Customer.Status.PROSPECT)
    _apply(customer, {**data, "status": data.get("status") or Customer.Status.PROSPECT})
    customer.save()
    _record_edit(customer, actor, f"Created the {kind}")
    return customer


@transaction.atomic
def party_update(customer: Customer, data: dict, *, actor: Actor) -> Customer:
    """Change names, birth date, contact details or status; the change is recorded for staff."""
    changed = _apply(customer, data)
    if changed:
        customer.save()
        _record_edit(customer, actor, "Changed " + ", ".join(name.replace("_", " ") for name in changed))
        if customer.status != Customer.Status.PROSPECT:
            kind = "StateChange" if changed == ["status"] else "AttributeValueChange"
            events.customer_event(customer, f"Customer{kind}Event")
    return customer


@transaction.atomic
def party_delete(customer: Customer, *, actor: Actor) -> None:
    """Delete a party Overlay alone knows; one that back-office systems hold is theirs to remove."""
    systems = sorted(set(customer.links.values_list("system", flat=True)))
    if systems:
        raise Conflict(f"{customer} is held by {', '.join(systems)}; it leaves Overlay when it leaves them.")
    customer.delete()


@transaction.atomic
def customer_role_grant(party_id: str, data: dict, visible, *, actor: Actor) -> Customer:
    """Make a known party a customer (TMF629 create): the party must exist and not be one already."""
    party = visible.select_for_update().filter(pk=party_id).first()
    if party is None:
        raise UnprocessableEntity(f"No party '{party_id}' to make a customer of.")
    if party.status != Customer.Status.PROSPECT:
        raise Conflict(f"{party} is a customer already.")
    _apply(party, {**data, "status": data.get("status") or Customer.Status.ACTIVE})
    party.save()
    _record_edit(party, actor, "Became a customer")
    events.customer_event(party, "CustomerCreateEvent")
    return party


@transaction.atomic
def customer_role_end(customer: Customer, *, actor: Actor) -> None:
    """End the customer role (TMF629 delete): refused while the customer holds active products."""
    if customer.held_products.filter(status=HeldProduct.Status.ACTIVE).exists():
        raise Conflict(f"{customer} still holds active products; terminate them first.")
    customer.status = Customer.Status.PROSPECT
    customer.save(update_fields=["status", "updated_at"])
    _record_edit(customer, actor, "Is no longer a customer")
    events.customer_event(customer, "CustomerDeleteEvent")


# --- TMF637 product writes: products Overlay itself keeps (those of back-office systems change by order) --
OWN_PRODUCTS = "overlay"
PRODUCT_FIELDS = (
    "name",
    "status",
    "product_code",
    "offering_id",
    "characteristics",
    "billing_account_ref",
    "start_date",
    "termination_date",
)


def _check_offering(data: dict) -> None:
    """A product names an offering the catalog has (looked up through the reference: customers imports no catalog)."""
    offering_id = data.get("offering_id")
    if offering_id and not HeldProduct.offering.field.related_model.objects.filter(pk=offering_id).exists():
        raise UnprocessableEntity(f"there is no product offering '{offering_id}'.", field="offering")


def _own(product: HeldProduct) -> None:
    if product.system != OWN_PRODUCTS:
        raise Conflict(
            f"This product lives in {product.system}; it changes there, by a product order, not by editing it here."
        )


@transaction.atomic
def product_create(data: dict, visible_customers, *, actor: Actor) -> HeldProduct:
    """Record a product the customer holds that no connected back-office system knows (TMF637 POST)."""
    customer_id = data.get("customer_id")
    if not customer_id:
        raise UnprocessableEntity("name the customer who holds the product.", field="customer")
    customer = visible_customers.filter(pk=customer_id).first()
    if customer is None:
        raise UnprocessableEntity(f"there is no customer '{customer_id}'.", field="customer")
    _check_offering(data)
    product_id = new_id()
    external_id = data.get("external_id") or product_id
    if HeldProduct.objects.filter(system=OWN_PRODUCTS, external_id=external_id).exists():
        raise Conflict(f"A product with serial number '{external_id}' exists already.")
    product = HeldProduct(
        id=product_id,
        customer=customer,
        system=OWN_PRODUCTS,
        external_id=external_id,
        status=data.get("status") or "created",
        source_hash="",
        **{k: data[k] for k in PRODUCT_FIELDS if k in data and k != "status"},
    )
    product.save()
    _record_edit(customer, actor, f"Recorded the product {product.name}")
    return product


@transaction.atomic
def product_update(product: HeldProduct, data: dict, *, actor: Actor) -> HeldProduct:
    """Change a product Overlay keeps; products of back-office systems are refused (409)."""
    _own(product)
    if data.get("customer_id", product.customer_id) != product.customer_id:
        raise UnprocessableEntity("A product's holder cannot change; terminate it and record a new one.")
    if "external_id" in data and data["external_id"] != product.external_id:
        raise UnprocessableEntity("cannot change.", field="serial_number")
    _check_offering(data)
    changed = [k for k in PRODUCT_FIELDS if k in data and getattr(product, k) != data[k]]
    for name in changed:
        setattr(product, name, data[name])
    if product.start_date and product.termination_date and product.termination_date < product.start_date:
        raise UnprocessableEntity("is before the start date.", field="termination_date")
    if changed:
        product.save()
        _record_edit(product.customer, actor, f"Changed the product {product.name}: " + ", ".join(changed))
    return product


@transaction.atomic
def product_delete(product: HeldProduct, *, actor: Actor) -> None:
    """Remove a product Overlay keeps (recorded by mistake); back-office products are refused (409)."""
    _own(product)
    _record_edit(product.customer, actor, f"Removed the product {product.name}")
    product.delete()


# --- consents: what the customer agreed to, from any channel -------------------------------------
@transaction.atomic
def consent_record(customer: Customer, *, purpose: str, granted: bool, actor: Actor) -> Consent:
    """Record the customer's answer for one purpose, with when and through which channel (the latest wins)."""
    if purpose not in Consent.Purpose.values:
        raise UnprocessableEntity(f"Unknown consent purpose '{purpose}'; one of {', '.join(Consent.Purpose.values)}.")
    consent, _ = Consent.objects.update_or_create(
        customer=customer,
        purpose=purpose,
        defaults={"granted": granted, "recorded_at": timezone.now(), "source": actor.channel[:30]},
    )
    interaction_record(
        customer_id=customer.pk,
        channel=actor.channel,
        actor=actor.name,
        kind="consent",
        summary=f"{'Gave' if granted else 'Withdrew'} consent for {purpose.replace('_', ' ')}",
    )
    return consent


SELF_EDITABLE = ("email", "phone", "street", "house_number", "postcode", "city")


@transaction.atomic
def own_contact_update(customer: Customer, data: dict, *, actor: Actor) -> Customer:
    """A customer changes their own contact details (nothing else); recorded in their history."""
    others = sorted(set(data) - set(SELF_EDITABLE))
    if others:
        raise Forbidden("You can change your contact details here; for " + ", ".join(others) + " ask us.")
    changed = _apply(customer, data)
    if changed:
        customer.save()
        interaction_record(
            customer_id=customer.pk,
            channel=actor.channel,
            actor=actor.name,
            kind="edit",
            summary="Changed own " + ", ".join(name.replace("_", " ") for name in changed),
        )
        events.customer_event(customer, "CustomerAttributeValueChangeEvent")
    return customer
