"""Ids of customers, accounts and products: UUIDv7s in hex, so that later ones sort later."""

import time
import uuid

from customers.models import new_id, new_ids


def test_ids_are_uuid7_in_hex_and_unique():
    ids = new_ids(20_000) + [new_id() for _ in range(100)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and uuid.UUID(hex=i).version == 7 for i in ids)
    assert {uuid.UUID(hex=i).variant for i in ids} == {uuid.RFC_4122}


def test_ids_made_later_sort_later_and_carry_the_time():
    before = time.time_ns() // 1_000_000
    first = new_ids(3)
    time.sleep(0.002)
    second = new_id()
    after = time.time_ns() // 1_000_000
    assert max(first) < second
    assert before <= int(second[:12], 16) <= after


def test_the_random_part_varies_within_a_millisecond():
    ids = new_ids(1000)
    assert len({i[:12] for i in ids}) <= 2  # one batch, one or two milliseconds
    assert len({i[13:] for i in ids}) == 1000
