"""The simulator's usage feeds and the products they are for: deterministic, with late, duplicate and
unknown records among them, paged, resumed as the anchor moves on, pushed. No Overlay involved."""

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from urllib.request import Request, urlopen

import pytest

from adapters.simulator import data, usage
from adapters.simulator.server import Estate
from tests.fixtures.simulator import API_KEY, USAGE_UNTIL

ANCHOR = date.fromisoformat(USAGE_UNTIL)
FEEDS = (("mobile", "usage"), ("fixed", "usage"), ("partner", "usage"))
RECORD_ID = {"mobile": "cdrId", "fixed": "usage_id", "partner": "event_id"}
RECEIVED = {"mobile": "receivedAt", "fixed": "loaded_at", "partner": "logged"}
PRODUCT_REF = {"mobile": "subscriptionId", "fixed": "line_ref", "partner": "partner_subscription"}


def estate(tmp_path, *, seed=42, customers=200, until=ANCHOR, db="estate.sqlite3") -> Estate:
    return Estate(seed=seed, customers=customers, db_path=str(tmp_path / db), api_key="k", usage_until=until)


def pull(source: Estate, system: str, name: str, cursor: str | None = None, limit: int = 500):
    """Every record a stream holds from ``cursor`` on, and the cursor after them."""
    stream, records = source.streams[(system, name)], []
    while True:
        page = source.page(stream, cursor, None, limit)
        records += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return records, cursor


def get(simulator, path: str) -> dict:
    request = Request(f"{simulator.url}{path}", headers={"X-Api-Key": API_KEY})
    return json.loads(urlopen(request, timeout=10).read())


def received(record: dict) -> datetime:
    moment = record.get("receivedAt") or record.get("logged") or record["loaded_at"]
    return datetime.fromisoformat(moment.replace("Z", "").replace(" ", "T")).replace(tzinfo=UTC)


def started(record: dict) -> datetime:
    if "started_epoch" in record:
        return datetime.fromtimestamp(record["started_epoch"], UTC)
    moment = record.get("eventStart") or record["period_start"]
    return datetime.fromisoformat(moment.replace("Z", "").replace(" ", "T")).replace(tzinfo=UTC)


def test_the_same_seed_gives_the_same_records_and_another_seed_others(tmp_path):
    for system, name in FEEDS:
        first = pull(estate(tmp_path, db="a.sqlite3"), system, name)
        assert pull(estate(tmp_path, db="b.sqlite3"), system, name) == first
        assert pull(estate(tmp_path, seed=7, db="c.sqlite3"), system, name)[0] != first[0]


def test_about_a_hundred_records_per_customer_in_the_window():
    customers, total = 400, 0
    for feed in (usage.MobileUsage(customers), usage.FixedUsage(customers), usage.PartnerUsage(customers)):
        first, last = feed.window(ANCHOR)
        total += sum(feed.record(42, slot) is not None for slot in range(first, last))
    assert 95 <= total / customers <= 105


def test_the_window_is_the_13_weeks_before_the_anchor_day(tmp_path):
    anchor = datetime(2026, 6, 15, tzinfo=UTC)
    for system, name in FEEDS:
        records, _ = pull(estate(tmp_path), system, name)
        times = [received(r) for r in records]
        assert anchor - timedelta(days=91) <= times[0] and times[-1] < anchor
        assert times == sorted(times)  # in the order they were received


def test_late_duplicate_and_unknown_records_are_among_them(simulator):
    mobile = simulator.records("mobile", "subscriptions") + simulator.records("mobile", "iot")
    held = {
        "mobile": {r["subscriptionId"] for r in mobile},
        "fixed": {r["line_ref"] for r in simulator.records("fixed", "lines")},
        "partner": {r["sub_id"] for r in simulator.records("partner", "subscriptions")},
    }
    for system, name in FEEDS:
        records = simulator.records(system, name)
        seen: dict[str, dict] = {}
        duplicates = 0
        for record in records:
            first = seen.setdefault(record[RECORD_ID[system]], record)
            if first is not record:  # the same record again, further down: the same but received later
                assert received(record) > received(first)
                assert {**record, RECEIVED[system]: None} == {**first, RECEIVED[system]: None}
                duplicates += 1
        late = [r for r in records if received(r) - started(r) >= timedelta(days=32)]
        unknown = {r[PRODUCT_REF[system]] for r in records} - held[system]
        assert duplicates and late and unknown, (system, duplicates, len(late), unknown)
        assert duplicates / len(records) < 0.05 and len(late) / len(records) < 0.06
        # A late record comes further down the stream than records of a later period.
        position = next(i for i, r in enumerate(records) if i > len(records) // 2 and r in late)
        assert max(started(r) for r in records[:position]) > started(records[position]) + timedelta(days=31)


def test_each_feed_in_its_own_shape(tmp_path):
    source = estate(tmp_path)
    mobile, _ = pull(source, "mobile", "usage")
    services = Counter(r["service"] for r in mobile)
    assert set(services) == {"DATA", "VOICE", "SMS", "ROAMING_DATA", "VEHICLE_DAY", "TRACKER_UPTIME"}
    roaming = [r for r in mobile if r["service"] == "ROAMING_DATA"]
    assert {r["roamingZone"] for r in roaming} == {"EU", "WORLD"}
    assert all("roamingZone" not in r for r in mobile if r["service"] != "ROAMING_DATA")
    uptime = [float(r["volume"]) for r in mobile if r["service"] == "TRACKER_UPTIME"]
    assert 97 <= min(uptime) < 99 <= max(uptime) <= 100  # sometimes under 99%
    vehicles = [int(r["volume"]) for r in mobile if r["service"] == "VEHICLE_DAY"]
    assert 1 <= min(vehicles) and max(vehicles) <= 40
    fixed, _ = pull(source, "fixed", "usage")
    assert {(r["usage_type"], r["amount_unit"]) for r in fixed} == {("BB_VOLUME", "KB"), ("VOICE", "SEC")}
    assert all(int(r["amount"]) % 6 == 0 for r in fixed if r["usage_type"] == "VOICE")
    partner, _ = pull(source, "partner", "usage")
    assert {r["sku"] for r in partner} == set(data.PARTNER_HELD) and {r["kind"] for r in partner} == {"stream"}


def test_fleets_are_held_by_business_customers_only(tmp_path):
    source = estate(tmp_path)
    fleets, _ = pull(source, "mobile", "iot")
    segments = {r["ACCOUNTS"][0]["ACCT_NO"]: r["SEG_CD"] for r in pull(source, "crm", "customers")[0]}
    assert fleets and {segments[f["holder"]["billingAccount"]] for f in fleets} == {"BUSI"}
    assert {f["plan"]["code"] for f in fleets} == {"IOT-FLEET"} and data.CRM_PRODUCTS[-1][0] == "IOT-FLEET"
    metered = {r["subscriptionId"] for r in pull(source, "mobile", "usage")[0] if r["service"] == "VEHICLE_DAY"}
    assert {f["subscriptionId"] for f in fleets} <= metered
    assert all(data.segment_of(42, index) == data.person(42, index).segment for index in range(500))


def test_partner_subscriptions_name_their_holders_accounts(tmp_path):
    subscriptions, _ = pull(estate(tmp_path), "partner", "subscriptions")
    assert len(subscriptions) == 50  # every fourth of 200 people
    first = subscriptions[0]
    assert (first["sub_id"], first["subscriber"]["billing_account"]) == ("PS-00000001", "A00000001")
    assert first["sku"] in data.PARTNER_HELD


def test_a_pull_resumed_after_the_anchor_moved_gets_only_what_was_received_since(tmp_path):
    earlier, cursor = pull(estate(tmp_path, db="a.sqlite3"), "mobile", "usage")
    week_later = estate(tmp_path, until=ANCHOR + timedelta(days=7), db="b.sqlite3")
    since, _ = pull(week_later, "mobile", "usage", cursor)
    anchor = datetime(2026, 6, 15, tzinfo=UTC)
    assert since and all(anchor <= received(r) < anchor + timedelta(days=7) for r in since)
    # The same slots hold the same records, whichever day the window ends on.
    everything, _ = pull(week_later, "mobile", "usage")
    overlap = [r for r in earlier if received(r) >= received(everything[0])]
    assert len(overlap) > len(earlier) // 2 and everything[: len(overlap)] == overlap
    assert len(everything) == pytest.approx(len(earlier), rel=0.02)  # the window moved, its size did not


def test_updated_since_starts_after_that_moment(tmp_path):
    source = estate(tmp_path)
    records, _ = pull(source, "fixed", "usage")
    middle = received(records[len(records) // 2])
    page = source.page(source.streams[("fixed", "usage")], None, middle.isoformat(), 50)
    assert page["items"] and all(received(r) > middle for r in page["items"])
    assert received(page["items"][0]) - middle < timedelta(hours=2)


def test_pushed_usage_is_what_the_feed_holds_next(tmp_path):
    source = estate(tmp_path)
    _, cursor = pull(source, "partner", "usage")
    sent = source.generate_changes("partner", 3, "usage") + source.generate_changes("partner", 2, "usage")
    assert len({r["event_id"] for r in sent}) == 5
    assert all(received(r) >= datetime(2026, 6, 15, tzinfo=UTC) for r in sent)
    assert pull(source, "partner", "usage", cursor)[0] == sent  # a pull after the push gets them too
    # Tomorrow they are in the window: the same records.
    tomorrow, _ = pull(estate(tmp_path, until=ANCHOR + timedelta(days=1), db="b.sqlite3"), "partner", "usage")
    assert all(record in tomorrow for record in sent)
    again = source.generate_changes("partner", 2, "usage", slot=0)
    assert again == [pull(source, "partner", "usage")[0][0]] * 2  # the window's first record, sent again


def test_held_product_streams_change_too(tmp_path):
    source = estate(tmp_path)
    (fleet,) = source.generate_changes("mobile", 1, "iot")
    assert fleet["plan"]["code"] == "IOT-FLEET" and 5 <= fleet["fleetSize"] <= 40
    (subscription,) = source.generate_changes("partner", 1, "subscriptions")
    assert subscription["sku"] in data.PARTNER_HELD and subscription["updated"] > "2026-01-01T00:00:59"


def test_faults_and_bad_cursors_over_http(simulator):
    simulator.control("faults", {"system": "fixed", "malformed_every": 4, "duplicate_every": 5})
    page = get(simulator, "/fixed/usage?limit=20")
    assert len(page["items"]) == 24 and sum(r["usage_id"] is None for r in page["items"]) == 6
    with pytest.raises(OSError, match="400"):
        get(simulator, "/fixed/usage?cursor=b12")
