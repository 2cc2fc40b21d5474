"""The simulated operator estate: deterministic people and the records each system holds of them.

Nothing is stored for the baseline: record ``k`` of a stream is computed from the
seed and ``k``, so a million customers cost no memory. Each system has its own
legacy shape and its own way of writing names, phones and e-mails, as in a
real estate; the same person appears in several systems.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

FIRST = (
    "Anna Bram Chloe Daan Eva Finn Gijs Hanna Ivo Julia Koen Lotte Milan Noor Olaf Puck Quinn Roos Sem Tess Uma "
    "Vince Wout Xena Yara Zoe"
).split()
LAST = (
    "Jansen de-Vries van-Dijk Bakker Visser Smit Meijer de-Boer Mulder de-Groot Bos Vos Peters Hendriks Dekker Brouwer"
).split()
# Per surname: as written ("de Vries") and as an e-mail address has it ("devries").
LAST_WRITTEN = tuple(name.replace("-", " ") for name in LAST)
LAST_IN_EMAIL = tuple(name.replace("-", "").lower() for name in LAST)
STREETS = "Kerkstraat Schoolstraat Dorpsstraat Molenweg Stationsweg Nieuwstraat Julianastraat Beatrixlaan".split()
CITIES = "Amsterdam Rotterdam Utrecht Eindhoven Groningen Tilburg Almere Breda Nijmegen Haarlem".split()
DOMAINS = "example.com example.net example.org".split()
FIRST_IN_EMAIL = tuple(name.lower() for name in FIRST)
SEGMENTS = ("CONS", "CONS", "CONS", "YOUT", "BUSI")
PLANS = ("MOB-S", "MOB-M", "MOB-L", "SIM-ONLY")
SPEEDS = (100, 500, 1000)

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ alone cost a sixth of generating a person
class Person:
    index: int
    first: str
    last: str
    email: str
    phone: str  # E.164
    national_id: str
    birth_date: date
    street: str
    house_number: int
    postcode: str
    city: str
    segment: str


def _rng(seed: int, *key) -> random.Random:
    digest = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def phone_of(seed: int, index: int) -> str:
    # 7919 is prime to 10**8, so every index below 10**8 gets its own number.
    return f"+316{(index * 7919 + seed) % 10**8:08d}"


MASK64 = (1 << 64) - 1
LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"
FIRST_DAY = date(1950, 1, 1).toordinal()


def mix(seed: int, key: int, salt: int) -> int:
    """A well-spread 64-bit number for (seed, key, salt): splitmix64's finaliser, no allocation.

    Generating a million people must not cost more than serving them: seeding a
    ``random.Random`` per record took most of the simulator's time.
    """
    z = (seed * 0x9E3779B97F4A7C15 + key * 0xBF58476D1CE4E5B9 + salt * 0x94D049BB133111EB) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def person(seed: int, index: int) -> Person:
    # One 64-bit draw, cut into independent digits for each choice.
    r = mix(seed, index, 1)
    r, first = divmod(r, len(FIRST))
    r, last = divmod(r, len(LAST))
    r, domain = divmod(r, len(DOMAINS))
    r, day = divmod(r, 365 * 55)
    r, street = divmod(r, len(STREETS))
    r, house = divmod(r, 299)
    r, city = divmod(r, len(CITIES))
    r, segment = divmod(r, len(SEGMENTS))
    r, letter1 = divmod(r, len(LETTERS))
    letter2 = r % len(LETTERS)
    given = FIRST[first]
    # Every 50th person shares a household line with the one before: the same phone, two people.
    phone = phone_of(seed, index - 1 if index % 50 == 1 else index)
    return Person(
        index,
        given,
        LAST_WRITTEN[last],
        f"{FIRST_IN_EMAIL[first]}.{LAST_IN_EMAIL[last]}{index}@{DOMAINS[domain]}",
        phone,
        f"{(index * 104729 + seed) % 10**9:09d}",
        date.fromordinal(FIRST_DAY + day),
        STREETS[street],
        1 + house,
        f"{1000 + (index * 37) % 9000}{LETTERS[letter1]}{LETTERS[letter2]}",
        CITIES[city],
        SEGMENTS[segment],
    )


# The mobile stack asks for the same holder once per subscription (up to three in a row).
person_cached = lru_cache(maxsize=16)(person)

# What person() divides its draw by before it reaches the segment: the choices drawn before it.
_BEFORE_SEGMENT = len(FIRST) * len(LAST) * len(DOMAINS) * 365 * 55 * len(STREETS) * 299 * len(CITIES)


def segment_of(seed: int, index: int) -> str:
    """``person(seed, index).segment`` without making the person (usage feeds ask it for every record)."""
    return SEGMENTS[(mix(seed, index, 1) // _BEFORE_SEGMENT) % len(SEGMENTS)]


def national_phone(e164: str) -> str:
    """+31612345678 -> 06 1234 5678 (how the CRM keeps it)."""
    rest = e164[3:]
    return f"0{rest[0]} {rest[1:5]} {rest[5:]}"


def stamp(seconds: float) -> str:
    """BASE_TIME + seconds as the systems write it ('2026-01-01T00:00:01.500000Z'), seconds >= 0.

    Every record carries one or two: strftime made them a quarter of the simulator's time.
    Whole and half seconds (all the streams use) are formatted directly.
    """
    whole = int(seconds)
    fraction = seconds - whole
    if seconds < 0 or fraction not in (0, 0.5):
        return (BASE_TIME + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    day, rest = divmod(whole, 86400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return f"{_day(day)}T{hour:02d}:{minute:02d}:{second:02d}.{'500000' if fraction else '000000'}Z"


@lru_cache(maxsize=4096)
def _day(number: int) -> str:
    return (BASE_TIME + timedelta(days=number)).strftime("%Y-%m-%d")


# --- streams --------------------------------------------------------------------------------
# A stream is a sequence of slots; a slot may be empty (not every person has a fixed line).
# Record k of a stream has baseline update time BASE_TIME + k seconds.


def crm_customer(seed: int, slot: int) -> dict | None:
    p = person(seed, slot)
    return {
        "CUST_NO": f"C{slot:08d}",
        "FIRST_NM": p.first.upper(),
        "LAST_NM": p.last.upper(),
        "EMAIL_ADDR": p.email,
        "TEL_NO": national_phone(p.phone),
        "NAT_ID": p.national_id,
        "BIRTH_DT": f"{p.birth_date.day:02d}.{p.birth_date.month:02d}.{p.birth_date.year:04d}",
        "SEG_CD": p.segment,
        "ADDR_LINE": f"{p.street} {p.house_number}",
        "ZIP": p.postcode,
        "CITY": p.city.upper(),
        "STATUS": "A",
        "ACCOUNTS": [{"ACCT_NO": f"A{slot:08d}", "BILL_CYCLE": 1 + slot % 28, "PAY_MTHD": "DD" if slot % 3 else "INV"}],
        "LAST_MOD": stamp(slot),
    }


MOBILE_SLOTS = 3
MOBILE_COUNT = (1, 2, 0, 3)  # subscriptions by person index % 4


def mobile_subscription(seed: int, slot: int) -> dict | None:
    index, number = divmod(slot, MOBILE_SLOTS)
    if number >= MOBILE_COUNT[index % 4]:
        return None
    p = person_cached(seed, index)
    msisdn = p.phone if number == 0 else phone_of(seed, 10**7 + slot)
    spelled = (msisdn, f"+31 {msisdn[3]} {msisdn[4:8]} {msisdn[8:]}", "00" + msisdn[1:])[slot % 3]
    return {
        "subscriptionId": f"SUB-{index}-{number}",
        "msisdn": spelled,
        "iccid": f"8931{(slot * 982451653) % 10**15:015d}",
        "plan": {"code": PLANS[mix(seed, slot, 2) % len(PLANS)]},
        "holder": {
            "fullName": f"{p.first} {p.last}" if slot % 2 else f"{p.first.lower()} {p.last.lower()}",
            "email": p.email.upper() if slot % 5 == 0 else p.email,
            "billingAccount": f"A{index:08d}",
        },
        "status": "active",
        "activatedAt": stamp(index * 0.5),
        "updatedAt": stamp(slot),
    }


def fixed_line(seed: int, slot: int) -> dict | None:
    if slot % 2:
        return None
    p = person(seed, slot)
    return {
        "line_ref": f"FL{slot:08d}",
        "install_address": {"street": p.street, "number": str(p.house_number), "postcode": p.postcode, "city": p.city},
        "speed_down_mbps": SPEEDS[slot % 3],
        "subscriber_name": f"{p.last}, {p.first}",
        "contact_phone": "00" + p.phone[1:],
        "contact_email": p.email,
        "state": "IN_SERVICE",
        "changed": stamp(slot),
    }


def logistics_shipment(seed: int, slot: int) -> dict | None:
    if slot % 5:
        return None
    p = person(seed, slot)
    return {
        "shipmentNo": f"SHP{slot:09d}",
        "recipient": f"{p.first} {p.last}",
        "recipientPhone": p.phone,
        "item": {
            "sku": "AURORA-X-128",
            "description": "Aurora X 128GB",
            "serialNo": f"35{_rng(seed, 'serial', slot).randrange(10**13):013d}",
        },
        "status": "DELIVERED",
        "ts": stamp(slot),
    }


PARTNER_OFFERINGS = [
    {"sku": "STREAMMAX-PREMIUM", "title": "StreamMax Premium", "monthly_eur": "9.99", "active": True},
    {"sku": "STREAMMAX-BASIC", "title": "StreamMax Basic", "monthly_eur": "5.99", "active": True},
    {"sku": "MUSICBOX", "title": "MusicBox Unlimited", "monthly_eur": "7.49", "active": True},
    {"sku": "CLOUDSAFE-100", "title": "CloudSafe 100 GB backup", "monthly_eur": "2.99", "active": True},
    {"sku": "GAMEPASS-LITE", "title": "GamePass Lite", "monthly_eur": "4.99", "active": False},
]


# The billing system's tariff table: what the operator sells and charges, in its own shape
# (family and spec codes, amounts with decimal commas, "A"/"I" status flags). Overlay's catalog
# imports it; the commercial layer (channels, bundles, campaigns, rules) is Overlay's own.
CRM_PRODUCTS = [
    # code, name, spec code, spec name, physical, monthly, one-time, one-time label, description
    ("MOB-S", "Mobile S 10 GB", "MOBILE", "Mobile subscription", "N", "15,00", "10,00", "SIM activation",
     "10 GB data, unlimited calls and texts."),
    ("MOB-M", "Mobile M 50 GB", "MOBILE", "Mobile subscription", "N", "25,00", "10,00", "SIM activation",
     "50 GB data, unlimited calls and texts."),
    ("MOB-L", "Mobile L Unlimited", "MOBILE", "Mobile subscription", "N", "35,00", "10,00", "SIM activation",
     "Unlimited data, calls and texts."),
    ("SIM-ONLY", "SIM-only 20 GB (online exclusive)", "MOBILE", "Mobile subscription", "N", "10,00", "", "", ""),
    ("FIBRE-100", "Fibre 100 Mbps", "FIBRE", "Fibre broadband", "N", "29,99", "49,00", "Activation",
     "Home fibre broadband at 100 Mbps down."),
    ("FIBRE-500", "Fibre 500 Mbps", "FIBRE", "Fibre broadband", "N", "39,99", "49,00", "Activation",
     "Home fibre broadband at 500 Mbps down."),
    ("FIBRE-1000", "Fibre 1000 Mbps", "FIBRE", "Fibre broadband", "N", "49,99", "49,00", "Activation",
     "Home fibre broadband at 1000 Mbps down."),
    ("TV-BASIC", "TV Basic (80 channels)", "TV", "TV pack", "N", "10,00", "", "", ""),
    ("TV-SPORTS", "TV Sports pack", "TV", "TV pack", "N", "20,00", "", "", ""),
    ("AURORA-X-128", "Aurora X", "AURORA-X", "Aurora X smartphone", "Y", "", "699,00", "Aurora X 128GB", ""),
    ("AURORA-LITE", "Aurora Lite", "AURORA-LITE", "Aurora Lite smartphone", "Y", "", "299,00", "Aurora Lite", ""),
    ("DATA-BOOST", "Data Boost (pay per GB)", "DATA-ADDON", "Mobile data add-on", "N", "", "", "",
     "Extra data beyond your plan, cheaper the more you use."),
    ("TRAVEL-DATA", "Travel Data (roaming)", "DATA-ADDON", "Mobile data add-on", "N", "", "", "",
     "Roaming data outside the EU; the more you use, the lower the rate on every GB."),
    ("IOT-FLEET", "Fleet tracking (IoT)", "IOT", "IoT fleet tracking", "N", "", "", "",
     "A tracker in every vehicle of a business fleet, paid per vehicle-day tracked."),
]  # fmt: skip


def crm_product(seed: int, slot: int) -> dict | None:
    code, name, spec, spec_name, physical, monthly, once, once_label, description = CRM_PRODUCTS[slot]
    return {
        "PROD_CD": code,
        "PROD_NM": name,
        "PROD_DESC": description,
        "SPEC_CD": spec,
        "SPEC_NM": spec_name,
        "PHYS_FLG": physical,
        "MRC": monthly,
        "NRC": once,
        "NRC_DESC": once_label,
        "STATUS": "A",
        "LAST_MOD": stamp(slot),
    }


def partner_offering(seed: int, slot: int) -> dict | None:
    offering = dict(PARTNER_OFFERINGS[slot])
    offering["updated"] = stamp(slot)
    return offering


# Held by some, alongside what the rest of the estate holds of them.
FLEET_PLAN = "IOT-FLEET"
PARTNER_HELD = ("STREAMMAX-PREMIUM", "STREAMMAX-BASIC", "MUSICBOX")


def fleet_size(seed: int, index: int) -> int:
    return 5 + mix(seed, index, 3) % 36


def mobile_iot(seed: int, slot: int) -> dict | None:
    """A business's fleet tracking: one slot per four people, held by the business customers among them."""
    index = 4 * slot + 3
    if segment_of(seed, index) != "BUSI":
        return None
    p = person_cached(seed, index)
    return {
        "subscriptionId": f"IOT-{index}",
        "plan": {"code": FLEET_PLAN},
        "fleetSize": fleet_size(seed, index),
        "holder": {"fullName": f"{p.first} {p.last}", "email": p.email, "billingAccount": f"A{index:08d}"},
        "status": "active",
        "activatedAt": stamp(index * 0.5),
        "updatedAt": stamp(slot),
    }


def partner_sku(seed: int, index: int) -> str:
    return PARTNER_HELD[mix(seed, index, 4) % len(PARTNER_HELD)]


def partner_subscription(seed: int, slot: int) -> dict | None:
    """Who holds which partner service: every fourth person (1, 5, 9, ...), in the partner's own shape."""
    index = 4 * slot + 1
    p = person_cached(seed, index)
    sku = partner_sku(seed, index)
    return {
        "sub_id": f"PS-{index:08d}",
        "sku": sku,
        "title": next(o["title"] for o in PARTNER_OFFERINGS if o["sku"] == sku),
        "subscriber": {"display_name": f"{p.first} {p.last}", "email": p.email, "billing_account": f"A{index:08d}"},
        "status": "active",
        "since": stamp(index * 0.5),
        "updated": stamp(slot),
    }


@dataclass(frozen=True)
class Stream:
    system: str
    name: str
    key: str  # the record's id attribute
    make: object  # (seed, slot) -> record | None
    slots_per_customer: float  # how many slots a stream has per simulated customer (0: a fixed table)
    table: tuple = ()  # the fixed table's rows, for catalogs
    feed: object = None  # a usage feed (adapters.simulator.usage.Feed): its slots sit on a clock of their own


STREAMS = {
    ("crm", "customers"): Stream("crm", "customers", "CUST_NO", crm_customer, 1),
    ("mobile", "subscriptions"): Stream("mobile", "subscriptions", "subscriptionId", mobile_subscription, MOBILE_SLOTS),
    ("fixed", "lines"): Stream("fixed", "lines", "line_ref", fixed_line, 1),
    ("logistics", "shipments"): Stream("logistics", "shipments", "shipmentNo", logistics_shipment, 1),
    ("crm", "products"): Stream("crm", "products", "PROD_CD", crm_product, 0, tuple(CRM_PRODUCTS)),
    ("partner", "offerings"): Stream("partner", "offerings", "sku", partner_offering, 0, tuple(PARTNER_OFFERINGS)),
    ("mobile", "iot"): Stream("mobile", "iot", "subscriptionId", mobile_iot, 0.25),
    ("partner", "subscriptions"): Stream("partner", "subscriptions", "sub_id", partner_subscription, 0.25),
}
# Each system's usage feed (adapters.simulator.usage) joins these per estate: it depends on the estate's size.


def slot_count(stream: Stream, customers: int) -> int:
    return len(stream.table) if stream.slots_per_customer == 0 else int(customers * stream.slots_per_customer)


def serviceability(seed: int, postcode: str, house_number: str) -> dict:
    """What the fixed stack can deliver at an address: deterministic per postcode.

    Each access technology there with its top download speed: no line at all (10%), copper only
    (VDSL up to 100 Mbps, 20%), fibre up to 1000 Mbps beside the copper (60%), or an older fibre
    network up to 500 Mbps (10%). ``technologies`` and ``max_down_mbps`` sum it up.
    """
    rng = _rng(seed, "serviceability", postcode.replace(" ", "").upper())
    roll = rng.random()
    if roll < 0.1:
        access = []
    elif roll < 0.3:
        access = [("VDSL", 100)]
    elif roll < 0.9:
        access = [("FTTH", 1000), ("VDSL", 100)]
    else:
        access = [("FTTH", 500), ("VDSL", 100)]
    return {
        "serviceable": bool(access),
        "technologies": [technology for technology, _ in access],
        "max_down_mbps": max((mbps for _, mbps in access), default=0),
        "access": [{"technology": technology, "max_down_mbps": mbps} for technology, mbps in access],
    }


SYSTEMS = ("crm", "mobile", "fixed", "logistics", "partner")


def fulfilment_outputs(seed: int, system: str, task: str, reference: str) -> dict:
    """What a system reports back for a fulfilment task it carried out: its own id, and numbers it assigned."""
    rng = _rng(seed, "fulfil", reference)
    prefix = {"crm": "BA", "mobile": "SUB", "fixed": "LINE", "logistics": "SHP", "partner": "PTN"}[system]
    outputs = {"id": f"{prefix}-{rng.randrange(10**9):09d}"}
    if system == "mobile" and task.startswith("activate"):
        outputs["MSISDN"] = f"+316{rng.randrange(10**8):08d}"
        outputs["ICCID"] = f"8931{rng.randrange(10**15):015d}"
    return outputs
