"""Serving the usage feeds (``adapters.simulator.usage``): pages of what was received before the
anchor day, then the change log; usage sent on demand. Mixed into the simulator's Estate."""

import json
from datetime import UTC, datetime

from adapters.simulator import data, usage


class UsageFeeds:
    """The Estate's usage feeds; it has ``seed``, ``usage_until``, ``db``, ``lock``, ``webhook``."""

    def usage_window(self, feed: usage.Feed) -> tuple[int, int]:
        return feed.window(self.usage_until or datetime.now(UTC).date())

    def feed_page(self, stream: data.Stream, cursor: str | None, updated_since: str | None, limit: int) -> dict:
        """A usage feed: the records received in the window before the anchor day, then its change log.

        The cursor ``u<slot>.<seq>`` keeps both places, so a pull resumed after the anchor moved on
        gets what was received since as well as what was pushed.
        """
        feed = stream.feed
        first, last = self.usage_window(feed)
        if updated_since:
            moment = datetime.fromisoformat(updated_since.replace("Z", "+00:00"))
            position, seq = feed.slot_after(moment), self._last_change(stream, moment)
        elif cursor:
            if cursor[0] != "u":
                raise ValueError(cursor)
            position, seq = (int(part) for part in cursor[1:].split("."))
        else:
            position, seq = first, 0
        position = max(position, first)
        items: list[dict] = []
        while len(items) < limit and position < last:
            record = feed.record(self.seed, position)
            position += 1
            if record is not None:
                items.append(record)
        with self.lock:
            if len(items) < limit:
                rows = self.db.execute(
                    "SELECT seq, payload FROM changes WHERE system=? AND stream=? AND seq>? ORDER BY seq LIMIT ?",
                    (stream.system, stream.name, seq, limit - len(items)),
                ).fetchall()
                items.extend(json.loads(payload) for _, payload in rows)
                seq = rows[-1][0] if rows else seq
            more_changes = self.db.execute(
                "SELECT 1 FROM changes WHERE system=? AND stream=? AND seq>? LIMIT 1", (stream.system, stream.name, seq)
            ).fetchone()
        return {
            "items": self._with_faults(items, stream, self.faults.get(stream.system, {})),
            "next_cursor": f"u{position}.{seq}",
            "has_more": position < last or bool(more_changes),
        }

    def _last_change(self, stream: data.Stream, moment: datetime) -> int:
        with self.lock:
            row = self.db.execute(
                "SELECT MAX(seq) FROM changes WHERE system=? AND stream=? AND changed_at<=?",
                (stream.system, stream.name, moment.isoformat()),
            ).fetchone()
        return row[0] or 0

    def usage_arrives(self, stream: data.Stream, count: int, slot: int | None) -> list[dict]:
        """Usage is never changed, only sent: ``count`` records received after the window (what the
        feed holds next: when the anchor moves on, they are the same records again), or the window's
        record in ``slot`` sent ``count`` times more."""
        feed = stream.feed
        first, last = self.usage_window(feed)
        sent = []  # (the slot's id: where the feed goes on from, the record)
        with self.lock:
            if slot is not None:
                record = feed.record(self.seed, first + slot) if 0 <= first + slot < last else None
                if record is None:
                    raise ValueError(f"{stream.system}/{stream.name} has no record in slot {slot}")
                sent = [(feed.record_id(first + slot), record)] * count
            else:
                (latest,) = self.db.execute(
                    "SELECT MAX(record_key) FROM changes WHERE system=? AND stream=? AND record_key>=?",
                    (stream.system, stream.name, feed.record_id(last)),
                ).fetchone()
                position = last if latest is None else feed.slot_of(latest) + 1
                while len(sent) < count:
                    record = feed.record(self.seed, position)
                    if record is not None:
                        sent.append((feed.record_id(position), record))
                    position += 1
            now = datetime.now(UTC).isoformat()
            self.db.executemany(
                "INSERT INTO changes (system, stream, record_key, payload, changed_at) VALUES (?, ?, ?, ?, ?)",
                [(stream.system, stream.name, key, json.dumps(record), now) for key, record in sent],
            )
            self.db.commit()
        records = [record for _, record in sent]
        if self.webhook:
            self._push(stream.system, stream, records)
        return records
