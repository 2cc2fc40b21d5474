"""Adapters for the simulated estate (and templates for real ones): each maps its system's legacy shape."""

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from adapters.builtin.base import (
    CursorPagedSource,
    SimulatedFulfilment,
    SimulatedTicketDesk,
    parse_time,
    required,
    version_of,
)
from adapters.contracts import (
    AccountRecord,
    HeldProductRecord,
    MappingError,
    OfferingRecord,
    PartyRecord,
    Serviceability,
    SourceUnavailable,
    SpecificationRecord,
    UsageRecordIn,
)
from customers.normalise import normalise_email, normalise_phone, normalise_postcode

SEGMENTS = {"CONS": "consumer", "BUSI": "business", "YOUT": "youth"}


class CrmAdapter(SimulatedFulfilment, SimulatedTicketDesk, CursorPagedSource):
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


MICRO_UNIT = Decimal("0.000001")  # usage quantities keep six decimals


def _quantity(raw: dict, key: str) -> Decimal:
    value = required(raw, key)
    try:
        quantity = Decimal(value)
    except InvalidOperation as error:
        raise MappingError(f"{key} '{value}' is not a quantity") from error
    if not quantity.is_finite():
        raise MappingError(f"{key} '{value}' is not a quantity")
    return quantity


def _usage_start(raw: dict, key: str) -> datetime:
    """A usage record's start time, in UTC (a time without a zone is UTC)."""
    return parse_time(required(raw, key)).astimezone(UTC)


class MobileAdapter(SimulatedFulfilment, SimulatedTicketDesk, CursorPagedSource):
    """Mobile stack: subscriptions with MSISDN, SIM and plan; holder details as the shop typed them;
    business fleets' tracking; and the call detail records of both (usage)."""

    fulfilment_prefix = "mobile"
    # Usage after the products it is for: a pull of the whole system finds them there.
    streams = {"subscriptions": "held_product", "iot": "held_product", "usage": "usage"}
    keys = {"subscriptions": "subscriptionId", "iot": "subscriptionId", "usage": "cdrId"}
    plan_names = {
        "MOB-S": "Mobile S 10 GB",
        "MOB-M": "Mobile M 50 GB",
        "MOB-L": "Mobile L Unlimited",
        "SIM-ONLY": "SIM-only 20 GB",
        "IOT-FLEET": "Fleet tracking (IoT)",
    }
    # The mediation's services: the usage metric each is, and the unit it must come in (the metric's).
    services = {
        "DATA": ("data", "MB"),
        "VOICE": ("voice", "MIN"),
        "SMS": ("sms", "SMS"),
        "ROAMING_DATA": ("roaming_data", "MB"),
        "VEHICLE_DAY": ("vehicle_day", "DAY"),
        "TRACKER_UPTIME": ("tracker_uptime", "PCT"),
    }

    def path(self, stream):
        return f"/mobile/{stream}"

    def map_record(self, stream, raw):
        if stream == "usage":
            return self._usage(raw)
        if stream == "iot":
            return self._fleet(raw)
        msisdn = normalise_phone(required(raw, "msisdn"))
        if not msisdn:
            raise MappingError(f"msisdn '{raw['msisdn']}' is not a phone number")
        return self._held(raw, phone=msisdn, characteristics={"MSISDN": msisdn, "ICCID": raw.get("iccid") or ""})

    def _fleet(self, raw: dict) -> HeldProductRecord:
        vehicles = raw.get("fleetSize")
        if not isinstance(vehicles, int):
            raise MappingError(f"fleetSize '{vehicles}' is not a number")
        return self._held(raw, phone="", characteristics={"Vehicles": str(vehicles)})

    def _held(self, raw: dict, *, phone: str, characteristics: dict) -> HeldProductRecord:
        holder = raw.get("holder") or {}
        given, _, family = (holder.get("fullName") or "").strip().partition(" ")
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
                phone=phone,
                account_refs=(account,) if account else (),
                version=version,
            ),
            name=self.plan_names.get(plan, plan),
            product_code=plan,
            status=(raw.get("status") or "active").lower(),
            characteristics=characteristics,
            billing_account_ref=account,
            start_date=parse_time(raw.get("activatedAt")),
            version=version,
        )

    def _usage(self, raw: dict) -> UsageRecordIn:
        service = required(raw, "service")
        if service not in self.services:
            raise MappingError(f"service '{service}' is no usage the mobile stack reports")
        metric, unit = self.services[service]
        if raw.get("uom") != unit:
            raise MappingError(f"{service} comes in {unit}, not in '{raw.get('uom')}'")
        zone = raw.get("roamingZone")
        return UsageRecordIn(
            external_id=required(raw, "cdrId"),
            product_ref=required(raw, "subscriptionId"),
            metric=metric,
            quantity=_quantity(raw, "volume"),
            start=_usage_start(raw, "eventStart"),
            attributes={"roamingZone": str(zone)} if zone else {},
        )


class FixedAdapter(SimulatedFulfilment, SimulatedTicketDesk, CursorPagedSource):
    """Fixed/broadband stack: lines at an address with a speed; 'Last, First' names; serviceability by address;
    the lines' usage (broadband volume, calls) in units of its own."""

    fulfilment_prefix = "fixed"
    streams = {"lines": "held_product", "usage": "usage"}
    keys = {"lines": "line_ref", "usage": "usage_id"}
    # Usage types: the metric each is, and how many of each unit it may come in make one of the metric's.
    usage_types = {
        "BB_VOLUME": ("data", {"KB": Decimal(1000), "MB": Decimal(1), "GB": Decimal("0.001")}),  # per MB
        "VOICE": ("voice", {"SEC": Decimal(60), "MIN": Decimal(1)}),  # per minute
    }

    def path(self, stream):
        return f"/fixed/{stream}"

    def map_record(self, stream, raw):
        if stream == "usage":
            return self._usage(raw)
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

    def _usage(self, raw: dict) -> UsageRecordIn:
        kind = required(raw, "usage_type")
        if kind not in self.usage_types:
            raise MappingError(f"usage_type '{kind}' is no usage the fixed stack reports")
        metric, units = self.usage_types[kind]
        unit = raw.get("amount_unit")
        if unit not in units:
            raise MappingError(f"{kind} does not come in '{unit}'")
        quantity = _quantity(raw, "amount") / units[unit]
        if quantity.as_tuple().exponent < -6:  # 125 seconds are 2.0833... minutes
            quantity = quantity.quantize(MICRO_UNIT)
        return UsageRecordIn(
            external_id=required(raw, "usage_id"),
            product_ref=required(raw, "line_ref"),
            metric=metric,
            quantity=quantity,
            start=_usage_start(raw, "period_start"),
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


class LogisticsAdapter(SimulatedFulfilment, SimulatedTicketDesk, CursorPagedSource):
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
            # The device's serial number (IMEI) is what a return, an exchange or a repair names it by.
            characteristics={
                "Shipment": raw["shipmentNo"],
                **({"serialNumber": item["serialNo"]} if item.get("serialNo") else {}),
            },
            start_date=parse_time(raw.get("ts")),
            version=version,
        )


class PartnerCatalogAdapter(SimulatedFulfilment, SimulatedTicketDesk, CursorPagedSource):
    """Partner catalog: digital services sold on behalf of a partner. It knows no specifications: each
    service is the product its offering sells, so it becomes a specification of its own (by SKU). It
    also says who holds which service, and what they streamed (usage)."""

    fulfilment_prefix = "partner"
    streams = {"offerings": "offering", "subscriptions": "held_product", "usage": "usage"}
    keys = {"offerings": "sku", "subscriptions": "sub_id", "usage": "event_id"}
    usage_kinds = {"stream": "streaming_hours"}  # the partner's log entries: the metric each is (in hours)

    def path(self, stream):
        return f"/partner/{stream}"

    def map_record(self, stream, raw):
        if stream == "subscriptions":
            return self._subscription(raw)
        if stream == "usage":
            return self._usage(raw)
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

    def _subscription(self, raw: dict) -> HeldProductRecord:
        subscriber = raw.get("subscriber") or {}
        given, _, family = (subscriber.get("display_name") or "").strip().partition(" ")
        account = subscriber.get("billing_account") or ""
        sku = required(raw, "sku")
        version = version_of(raw.get("updated"))
        return HeldProductRecord(
            external_id=required(raw, "sub_id"),
            holder=PartyRecord(
                external_id=f"subscriber:{raw['sub_id']}",
                given_name=given,
                family_name=family,
                email=normalise_email(subscriber.get("email")),
                account_refs=(account,) if account else (),
                version=version,
            ),
            name=raw.get("title") or sku,
            product_code=sku,
            status=(raw.get("status") or "active").lower(),
            billing_account_ref=account,
            start_date=parse_time(raw.get("since")),
            version=version,
        )

    def _usage(self, raw: dict) -> UsageRecordIn:
        kind = required(raw, "kind")
        if kind not in self.usage_kinds:
            raise MappingError(f"kind '{kind}' is no usage the partner reports")
        started = raw.get("started_epoch")
        if not isinstance(started, int) or isinstance(started, bool):
            raise MappingError(f"started_epoch '{started}' is not a time in Unix seconds")
        try:
            start = datetime.fromtimestamp(started, UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise MappingError(f"started_epoch '{started}' is not a time in Unix seconds") from error
        return UsageRecordIn(
            external_id=required(raw, "event_id"),
            product_ref=required(raw, "partner_subscription"),
            metric=self.usage_kinds[kind],
            quantity=_quantity(raw, "hours"),
            start=start,
        )
