"""Adapters for the simulated estate (and templates for real ones): each maps its system's legacy shape."""

from datetime import date
from decimal import Decimal, InvalidOperation

from adapters.builtin.base import CursorPagedSource, SimulatedFulfilment, parse_time, required, version_of
from adapters.contracts import (
    AccountRecord,
    HeldProductRecord,
    MappingError,
    OfferingRecord,
    PartyRecord,
    Serviceability,
    SourceUnavailable,
    SpecificationRecord,
)
from customers.normalise import normalise_email, normalise_phone, normalise_postcode

SEGMENTS = {"CONS": "consumer", "BUSI": "business", "YOUT": "youth"}


class CrmAdapter(SimulatedFulfilment, CursorPagedSource):
    """Billing/CRM: customers in upper case, national phone numbers, DD.MM.YYYY dates, accounts embedded;
    and the tariff table (the products it charges for), amounts with decimal commas."""

    fulfilment_prefix = "crm"
    streams = {"customers": "party", "products": "offering"}
    keys = {"customers": "CUST_NO", "products": "PROD_CD"}

    def path(self, stream):
        return f"/crm/{stream}"

    def map_record(self, stream, raw):
        if stream == "products":
            return _product(raw)
        try:
            birth = _day_month_year(raw["BIRTH_DT"]) if raw.get("BIRTH_DT") else None
        except (ValueError, TypeError) as error:
            raise MappingError(f"BIRTH_DT '{raw['BIRTH_DT']}' is not a date") from error
        street, _, number = (raw.get("ADDR_LINE") or "").rpartition(" ")
        accounts = tuple(
            AccountRecord(required(a, "ACCT_NO"), a.get("BILL_CYCLE"), a.get("PAY_MTHD", ""))
            for a in raw.get("ACCOUNTS") or []
        )
        return PartyRecord(
            external_id=required(raw, "CUST_NO"),
            given_name=(raw.get("FIRST_NM") or "").title(),
            family_name=_family_name(raw.get("LAST_NM") or ""),
            email=normalise_email(raw.get("EMAIL_ADDR")),
            phone=normalise_phone(raw.get("TEL_NO")),
            national_id=(raw.get("NAT_ID") or "").strip(),
            birth_date=birth,
            street=street.title() if number else (raw.get("ADDR_LINE") or "").title(),
            house_number=number,
            postcode=normalise_postcode(raw.get("ZIP")),
            city=(raw.get("CITY") or "").title(),
            segment=SEGMENTS.get(raw.get("SEG_CD", ""), ""),
            account_refs=tuple(a.external_id for a in accounts),
            accounts=accounts,
            version=version_of(raw.get("LAST_MOD")),
        )


def _amount(raw: dict, key: str) -> Decimal | None:
    """'25,00' (the billing system writes decimal commas) -> Decimal('25.00'); empty -> None."""
    value = raw.get(key)
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation as error:
        raise MappingError(f"{key} '{value}' is not an amount") from error


def _day_month_year(value: str) -> date:
    """'31.12.1970' -> date (strptime costs half of mapping a CRM record)."""
    day, month, year = value.split(".")
    if len(year) != 4:
        raise ValueError(value)
    return date(int(year), int(month), int(day))


def _product(raw: dict) -> OfferingRecord:
    return OfferingRecord(
        external_id=required(raw, "PROD_CD"),
        name=required(raw, "PROD_NM"),
        description=raw.get("PROD_DESC") or "",
        recurring_price=_amount(raw, "MRC"),
        one_time_price=_amount(raw, "NRC"),
        one_time_name=raw.get("NRC_DESC") or "",
        active=raw.get("STATUS", "A") == "A",
        version=version_of(raw.get("LAST_MOD")),
        specification=SpecificationRecord(
            external_id=required(raw, "SPEC_CD"),
            name=raw.get("SPEC_NM") or raw["SPEC_CD"],
            kind="physical" if raw.get("PHYS_FLG") == "Y" else "digital",
        ),
    )


def _family_name(value: str) -> str:
    # "DE BOER" -> "de Boer": Dutch name particles stay lower case.
    words = value.lower().split()
    return " ".join(w if w in {"de", "van", "der", "den", "het", "ter"} else w.capitalize() for w in words)


class MobileAdapter(SimulatedFulfilment, CursorPagedSource):
    """Mobile stack: subscriptions with MSISDN, SIM and plan; holder details as the shop typed them."""

    fulfilment_prefix = "mobile"
    streams = {"subscriptions": "held_product"}
    keys = {"subscriptions": "subscriptionId"}
    plan_names = {
        "MOB-S": "Mobile S 10 GB",
        "MOB-M": "Mobile M 50 GB",
        "MOB-L": "Mobile L Unlimited",
        "SIM-ONLY": "SIM-only 20 GB",
    }

    def path(self, stream):
        return "/mobile/subscriptions"

    def map_record(self, stream, raw):
        holder = raw.get("holder") or {}
        given, _, family = (holder.get("fullName") or "").strip().partition(" ")
        msisdn = normalise_phone(required(raw, "msisdn"))
        if not msisdn:
            raise MappingError(f"msisdn '{raw['msisdn']}' is not a phone number")
        plan = required(raw, "plan", "code")
        account = holder.get("billingAccount") or ""
        version = version_of(raw.get("updatedAt"))
        return HeldProductRecord(
            external_id=required(raw, "subscriptionId"),
            holder=PartyRecord(
                external_id=f"holder:{raw['subscriptionId']}",
                given_name=given.title(),
                family_name=_family_name(family),
                email=normalise_email(holder.get("email")),
                phone=msisdn,
                account_refs=(account,) if account else (),
                version=version,
            ),
            name=self.plan_names.get(plan, plan),
            product_code=plan,
            status=(raw.get("status") or "active").lower(),
            characteristics={"MSISDN": msisdn, "ICCID": raw.get("iccid") or ""},
            billing_account_ref=account,
            start_date=parse_time(raw.get("activatedAt")),
            version=version,
        )


class FixedAdapter(SimulatedFulfilment, CursorPagedSource):
    """Fixed/broadband stack: lines at an address with a speed; 'Last, First' names; serviceability by address."""

    fulfilment_prefix = "fixed"
    streams = {"lines": "held_product"}
    keys = {"lines": "line_ref"}

    def path(self, stream):
        return "/fixed/lines"

    def map_record(self, stream, raw):
        family, _, given = (raw.get("subscriber_name") or "").partition(",")
        address = raw.get("install_address") or {}
        postcode = normalise_postcode(required(raw, "install_address", "postcode"))
        speed = raw.get("speed_down_mbps")
        if not isinstance(speed, int):
            raise MappingError(f"speed_down_mbps '{speed}' is not a number")
        where = f"{address.get('street', '')} {address.get('number', '')}, {postcode} {address.get('city', '')}"
        version = version_of(raw.get("changed"))
        return HeldProductRecord(
            external_id=required(raw, "line_ref"),
            holder=PartyRecord(
                external_id=f"subscriber:{raw['line_ref']}",
                given_name=given.strip().title(),
                family_name=family.strip(),
                email=normalise_email(raw.get("contact_email")),
                phone=normalise_phone(raw.get("contact_phone")),
                street=address.get("street", ""),
                house_number=str(address.get("number", "")),
                postcode=postcode,
                city=address.get("city", ""),
                version=version,
            ),
            name=f"Fibre {speed} Mbps",
            product_code=f"FIBRE-{speed}",
            status="active" if raw.get("state") == "IN_SERVICE" else (raw.get("state") or "").lower(),
            characteristics={
                "Installation address": where,
                "Speed": str(speed),
            },
            version=version,
        )

    def serviceability(self, postcode: str, house_number: str) -> Serviceability:
        try:
            body = self.client.get_json(
                "/fixed/serviceability", {"postcode": normalise_postcode(postcode), "house_number": house_number}
            )
        except SourceUnavailable as error:
            return Serviceability(serviceable=None, reason=str(error))
        try:
            access = {str(a["technology"]).upper(): int(a.get("max_down_mbps") or 0) for a in body.get("access") or ()}
            return Serviceability(
                serviceable=bool(body.get("serviceable")),
                technologies=tuple(str(t).upper() for t in body.get("technologies") or access),
                max_down_mbps=int(body.get("max_down_mbps") or max(access.values(), default=0)),
                down_mbps=access,
            )
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # An answer that cannot be read is no yes: unknown, with why.
            return Serviceability(serviceable=None, reason=f"The fixed stack's answer could not be read ({error!r}).")


class LogisticsAdapter(SimulatedFulfilment, CursorPagedSource):
    """Logistics: shipments of devices; a delivered device is a product the customer holds."""

    fulfilment_prefix = "logistics"
    streams = {"shipments": "held_product"}
    keys = {"shipments": "shipmentNo"}

    def path(self, stream):
        return "/logistics/shipments"

    def map_record(self, stream, raw):
        given, _, family = (raw.get("recipient") or "").partition(" ")
        item = raw.get("item") or {}
        version = version_of(raw.get("ts"))
        return HeldProductRecord(
            external_id=required(raw, "shipmentNo"),
            holder=PartyRecord(
                external_id=f"recipient:{raw['shipmentNo']}",
                given_name=given,
                family_name=family,
                phone=normalise_phone(raw.get("recipientPhone")),
                version=version,
            ),
            name=item.get("description") or required(raw, "item", "sku"),
            product_code=required(raw, "item", "sku"),
            status={"DELIVERED": "active", "RETURNED": "terminated"}.get(raw.get("status"), "pendingActive"),
            characteristics={"Shipment": raw["shipmentNo"]},
            start_date=parse_time(raw.get("ts")),
            version=version,
        )


class PartnerCatalogAdapter(SimulatedFulfilment, CursorPagedSource):
    """Partner catalog: digital services sold on behalf of a partner. It knows no specifications: each
    service is the product its offering sells, so it becomes a specification of its own (by SKU)."""

    fulfilment_prefix = "partner"
    streams = {"offerings": "offering"}
    keys = {"offerings": "sku"}

    def path(self, stream):
        return "/partner/offerings"

    def map_record(self, stream, raw):
        try:
            price = Decimal(str(raw["monthly_eur"])) if raw.get("monthly_eur") not in (None, "") else None
        except InvalidOperation as error:
            raise MappingError(f"monthly_eur '{raw['monthly_eur']}' is not an amount") from error
        return OfferingRecord(
            external_id=required(raw, "sku"),
            name=required(raw, "title"),
            recurring_price=price,
            active=bool(raw.get("active", True)),
            version=version_of(raw.get("updated")),
            specification=SpecificationRecord(external_id=raw["sku"], name=raw["title"], kind="digital"),
        )
