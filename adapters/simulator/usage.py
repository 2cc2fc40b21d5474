"""Usage feeds: what each system's mediation delivers, record by record, computed from the seed.

A feed is a stream of usage records in the order they were received. Its slots sit on a clock of
their own: slot ``s`` is received at ``FEED_EPOCH + s * spacing``, and each product that sends usage
(a unit: a subscription, one of a fleet's two meters, a line) sends one record per round, the
units taking turns. A record's id, product and content depend on the seed, the estate's size and
its slot only, never on the anchor: the simulator serves the slots received in the 13 weeks
(``WINDOW``) before the anchor day (``--usage-until``), and a later anchor only adds what was
received since. Nothing is stored.

Records per simulated customer over those 13 weeks, at any size (the spacing makes it so):

=========  ==============================================  ======
mobile     1.5 subscriptions x 52 records                     78
           fleets (1 customer in 20) x 2 meters x 52          5.2
fixed      0.5 lines x 26 records                             13
partner    0.25 subscriptions x 13 records                    3.25
=========  ==============================================  ======

About 99.5 records per customer: 10 million for 100,000 customers. Among them, deterministically:
2% DUPLICATES (a record sent again 1 to 5 rounds later: the same but for when it was received), 0.5% for
UNKNOWN products (a reference nobody holds) and 3% LATE records (started 32 to 50 days before they
were received: in an earlier billing period than the records around them).
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from adapters.simulator.data import Stream, fleet_size, mix, partner_sku, segment_of

WINDOW = timedelta(days=91)
FEED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # slot 0 of every feed
DAY = 86_400
MICROSECOND = timedelta(microseconds=1)
_WINDOW_US = WINDOW // MICROSECOND
_EPOCH_UNIX = int(FEED_EPOCH.timestamp())

# A slot's first draw, per thousand: below DUPLICATES a duplicate, then an unknown product, then late.
DUPLICATES, UNKNOWN, LATE = 20, 25, 55
_DELAY = 6 * 3600  # a record is received up to six hours after it started
_LATE_SPREAD = 18 * DAY


@lru_cache(maxsize=4096)
def _day(number: int) -> str:
    return (FEED_EPOCH + timedelta(days=number)).strftime("%Y-%m-%d")


# Every time of day, written out once (5 MB): formatting them took a fifth of making a record.
_TIMES = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))


def _clock(seconds: int) -> tuple[str, str]:
    """Seconds since FEED_EPOCH -> ('2026-03-01', '10:04:05'): strftime would cost more than the record."""
    day, rest = divmod(seconds, DAY)
    return _day(day), _TIMES[rest]


def _iso(seconds: int) -> str:
    day, time = _clock(seconds)
    return f"{day}T{time}Z"


def _iso_us(microseconds: int) -> str:
    seconds, fraction = divmod(microseconds, 1_000_000)
    day, time = _clock(seconds)
    return f"{day}T{time}.{fraction:06d}Z"


def _hundredths(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


class Feed:
    """A system's usage feed for an estate of ``customers``; ``record(seed, slot)`` is what it received."""

    system = name = key = prefix = ""
    received_key = ""  # where a record says when it was received
    rounds = 1  # records per unit in a window
    salt = 0

    def __init__(self, customers: int):
        self.customers = customers
        self.units = max(1, self.units_for(customers))
        self.per_window = self.rounds * self.units

    def units_for(self, customers: int) -> int:
        raise NotImplementedError

    def product(self, seed: int, unit: int) -> tuple | None:
        """What a unit is (None: nobody, e.g. a fleet of a customer who has none)."""
        raise NotImplementedError

    def shape(self, seed: int, slot: int, product: tuple, unknown: bool, start: int, q: int) -> dict:
        """The record in the system's shape, but for when it was received; ``start`` in seconds since FEED_EPOCH."""
        raise NotImplementedError

    def received_text(self, microseconds: int) -> str:
        return _iso_us(microseconds)

    def received_us(self, slot: int) -> int:
        return slot * _WINDOW_US // self.per_window

    def slot_after(self, moment: datetime) -> int:
        """The first slot received after ``moment``."""
        after = (moment - FEED_EPOCH) // MICROSECOND + 1
        return max(0, -(-after * self.per_window // _WINDOW_US))

    def window(self, until: date) -> tuple[int, int]:
        """The slots received in the WINDOW before the day ``until`` starts: ``range(first, last)``."""
        anchor = datetime(until.year, until.month, until.day, tzinfo=UTC)
        last = self.slot_after(anchor - MICROSECOND)
        return max(0, last - self.per_window), last

    def record_id(self, slot: int) -> str:
        return f"{self.prefix}{slot:012d}"

    def slot_of(self, record_id: str) -> int:
        return int(record_id[len(self.prefix) :])

    def record(self, seed: int, slot: int) -> dict | None:
        unit = slot % self.units
        product = self.product(seed, unit)
        if product is None:
            return None
        draw, pick = divmod(mix(seed, slot, self.salt), 1000)
        received = self.received_us(slot)
        if pick < DUPLICATES:
            earlier = slot - (1 + draw % 5) * self.units
            if earlier >= 0:
                record = self.record(seed, earlier)
                record[self.received_key] = self.received_text(received)
                return record
        draw, delay = divmod(draw, _DELAY)
        start = received // 1_000_000 - delay
        if UNKNOWN <= pick < LATE:
            start -= 32 * DAY + draw % _LATE_SPREAD
        unknown = DUPLICATES <= pick < UNKNOWN
        record = self.shape(seed, slot, product, unknown, start, mix(seed, slot, self.salt + 1))
        record[self.received_key] = self.received_text(received)
        return record

    def stream(self) -> Stream:
        return Stream(self.system, self.name, self.key, self.record, 0, feed=self)


# A mobile group of four people (by index % 4) holds 1, 2, 0 and 3 subscriptions: data.MOBILE_COUNT.
SUBSCRIPTION_UNITS = ((0, 0), (1, 0), (1, 1), (3, 0), (3, 1), (3, 2))  # (person in the group, number)
VEHICLE_DAY, TRACKER_UPTIME = 6, 7  # a fleet's two meters, after the six subscriptions
# Mobile services by the draw's last digit: data 40%, voice 30%, SMS 20%, roaming data 10%.
MOBILE_SERVICES = ("DATA",) * 4 + ("VOICE",) * 3 + ("SMS",) * 2 + ("ROAMING_DATA",)


class MobileUsage(Feed):
    """The mobile mediation: call detail records in camelCase, every subscription's and every fleet's.

    ``service`` DATA (MB), VOICE (minutes, in tenths), SMS, ROAMING_DATA (MB, with ``roamingZone``),
    and for fleets one VEHICLE_DAY (vehicles tracked that day) and one TRACKER_UPTIME (percent) per
    round, for the day before it was received.
    """

    system, name, key, prefix, received_key = "mobile", "usage", "cdrId", "CDR", "receivedAt"
    rounds = 52
    salt = 11

    def units_for(self, customers: int) -> int:
        return -(-customers // 4) * 8

    def product(self, seed: int, unit: int) -> tuple | None:
        group, offset = divmod(unit, 8)
        if offset < VEHICLE_DAY:
            index = 4 * group + SUBSCRIPTION_UNITS[offset][0]
            return (index, offset) if index < self.customers else None
        index = 4 * group + 3
        if index >= self.customers or segment_of(seed, index) != "BUSI":
            return None
        return index, offset

    def shape(self, seed, slot, product, unknown, start, q):
        index, offset = product
        extra = None
        if offset < VEHICLE_DAY:
            number = 9 if unknown else SUBSCRIPTION_UNITS[offset][1]
            reference = f"SUB-{index}-{number}"
            q, pick = divmod(q, 10)
            service = MOBILE_SERVICES[pick]
            if service == "DATA":
                volume, uom = _hundredths(1 + q % 200_000), "MB"
            elif service == "VOICE":
                tenths = 1 + q % 600
                volume, uom = f"{tenths // 10}.{tenths % 10}", "MIN"
            elif service == "SMS":
                volume, uom = str(1 + q % 10), "SMS"
            else:
                volume, uom = _hundredths(1 + q % 50_000), "MB"
                extra = "WORLD" if (q // 50_000) % 5 == 0 else "EU"
        else:
            reference = f"IOT-{index}-9" if unknown else f"IOT-{index}"
            start = (start // DAY - 1) * DAY
            if offset == VEHICLE_DAY:
                service, uom = "VEHICLE_DAY", "DAY"
                volume = str(fleet_size(seed, index) - q % 4)
            else:
                service, uom = "TRACKER_UPTIME", "PCT"
                q, below = divmod(q, 4)  # a quarter of the days under 99%
                volume = _hundredths(9700 + q % 200 if below == 0 else 9900 + q % 101)
        record = {
            "cdrId": self.record_id(slot),
            "subscriptionId": reference,
            "service": service,
            "volume": volume,
            "uom": uom,
            "eventStart": _iso(start),
        }
        if extra:
            record["roamingZone"] = extra
        return record


class FixedUsage(Feed):
    """The fixed stack's usage extract in its own snake_case: broadband volume in KB, calls in seconds
    (six-second steps), times without a zone (UTC)."""

    system, name, key, prefix, received_key = "fixed", "usage", "usage_id", "FU", "loaded_at"
    rounds = 26
    salt = 13

    def units_for(self, customers: int) -> int:
        return -(-customers // 2)  # a line at every even index: data.fixed_line

    def product(self, seed: int, unit: int) -> tuple | None:
        return (2 * unit,) if 2 * unit < self.customers else None

    def received_text(self, microseconds: int) -> str:
        day, time = _clock(microseconds // 1_000_000)
        return f"{day} {time}.{microseconds % 1_000_000:06d}"

    def shape(self, seed, slot, product, unknown, start, q):
        (index,) = product
        q, pick = divmod(q, 10)
        if pick < 7:
            kind, amount, unit = "BB_VOLUME", str(50_000 + q % 60_000_000), "KB"
        else:
            kind, amount, unit = "VOICE", str(6 * (1 + q % 600)), "SEC"
        day, time = _clock(start)
        return {
            "usage_id": self.record_id(slot),
            "line_ref": f"FL{index + 1 if unknown else index:08d}",  # odd: no line there
            "usage_type": kind,
            "amount": amount,
            "amount_unit": unit,
            "period_start": f"{day} {time}",
        }


class PartnerUsage(Feed):
    """The partner's viewing log: hours streamed per session, start times in Unix seconds."""

    system, name, key, prefix, received_key = "partner", "usage", "event_id", "PE", "logged"
    rounds = 13
    salt = 17

    def units_for(self, customers: int) -> int:
        return int(customers * 0.25)  # as many as data.partner_subscription's slots

    def product(self, seed: int, unit: int) -> tuple | None:
        return (4 * unit + 1,) if unit < int(self.customers * 0.25) else None

    def shape(self, seed, slot, product, unknown, start, q):
        (index,) = product
        quarters = 1 + q % 120
        return {
            "event_id": self.record_id(slot),
            "partner_subscription": f"PS-{index + 1 if unknown else index:08d}",  # index + 1: nobody's
            "sku": partner_sku(seed, index),
            "kind": "stream",
            "hours": f"{quarters // 4}.{quarters % 4 * 25:02d}",
            "started_epoch": _EPOCH_UNIX + start,
        }


def feeds(customers: int) -> dict[tuple[str, str], Stream]:
    """Every system's usage feed for an estate of ``customers``, as streams."""
    return {
        (f.system, f.name): f.stream() for f in (MobileUsage(customers), FixedUsage(customers), PartnerUsage(customers))
    }


def earliest_anchor() -> date:
    """The first day a window fits after FEED_EPOCH."""
    return (FEED_EPOCH + WINDOW).date()
