"""The back-office simulator's HTTP server (stdlib only; no Django, its own SQLite storage).

Systems and their collections, each behind ``X-Api-Key``:
  GET /crm/customers  /crm/products  /mobile/subscriptions  /mobile/iot  /fixed/lines  /logistics/shipments
      /partner/offerings  /partner/subscriptions
      and the usage feeds (adapters.simulator.usage)  /mobile/usage  /fixed/usage  /partner/usage
      ?cursor=<opaque>&limit=N   or   ?updated_since=<ISO time>&limit=N
      -> {"items": [...], "next_cursor": "...", "has_more": bool}
      &until=<a partition's end>: the page stops there (has_more false at it)
  GET /{system}/{stream}/partitions?count=N  -> {"partitions": [{"cursor": "b0", "until": "b5000"}, ...,
      {"cursor": "b15000", "until": null}]}: the baseline split in N ranges, the last one going on into the
      change log (a usage feed is one range)
  GET /fixed/serviceability?postcode=..&house_number=..
Fulfilment (every system; idempotent by the caller's reference: a repeated submit never provisions twice):
  POST /{system}/fulfilment  {"task": "activate_sim", "reference": "...", "payload": {...}}
      -> {"reference", "task", "status": "inProgress" | "completed" | "cancelled", "outputs": {...}}
  GET  /{system}/fulfilment/{reference}          -> the same shape (404 when unknown)
  POST /{system}/fulfilment/{reference}/cancel   -> undo it (idempotent)
  A task takes ``fulfil_ms`` (a fault setting, default 0) before it is completed; tasks named in
  ``reject_tasks`` are refused for good with 422. After-sales tasks (returns, exchanges, repairs: devices
  with serial numbers, billing adjustments, repair jobs, loaners) and their reads: adapters.simulator.aftersales.
Trouble tickets and open incidents of every system: adapters.simulator.tickets (/{system}/tickets, /{system}/incidents).
Control (for tests, demos and benchmarks):
  POST /_control/faults   {"system": "crm", "latency_ms": 0, "fail_next": 0, "error_rate": 0,
                           "timeout_next": 0, "malformed_every": 0, "duplicate_every": 0}
  POST /_control/changes  {"system": "crm", "count": 10}   -> appended to the change log, pushed if a webhook is set
                          ("slot": 7 changes the record in slot 7, count times: successive versions of it)
                          ("stream": "products" changes the CRM's tariffs: a charge goes up by 1,00)
                          ("stream": "usage" sends the next records of a usage feed; with "slot", sends the
                           window's record in that slot again)
  POST /_control/webhook  {"url": "http://127.0.0.1:8000/api/v1/backoffice/{system}/events", "secret": "...",
                           "secrets": {"crm": "...", "mobile": "..."}}   each system signs with its own secret
                          (from "secrets"; "secret" for those it does not name)
                          pushes are signed X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
  GET  /_control/stats    request counts per system   (POST /_control/reset_stats sets them to 0)
  GET  /_control/fulfilment  every fulfilment task received, with its submit and cancel counts
A stream is the baseline (record k computed from the seed) followed by the append-only change
log; the cursor is a position in that stream, so an incremental pull misses nothing. A usage feed's
baseline is what was received in the 13 weeks before the anchor day (``--usage-until``), and its
cursor keeps its place in both, as the anchor moves on.
"""

import hashlib
import hmac
import json
import random
import sqlite3
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from urllib.request import Request, urlopen

from adapters.simulator import aftersales, data, tickets, usage
from adapters.simulator.feeds import UsageFeeds

MAX_LIMIT = 5000


class Estate(UsageFeeds):
    """The simulated systems' state: seed, size, change log, faults, webhook."""

    def __init__(self, *, seed: int, customers: int, db_path: str, api_key: str, usage_until: date | None = None):
        self.seed = seed
        self.customers = customers
        self.api_key = api_key
        self.usage_until = usage_until  # None: today (UTC), as the clock turns
        self.streams = {**data.STREAMS, **usage.feeds(customers)}
        self.lock = threading.Lock()
        self.db = sqlite3.connect(db_path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, system TEXT, stream TEXT, "
            "record_key TEXT, payload TEXT, changed_at TEXT)"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS fulfilments (reference TEXT PRIMARY KEY, system TEXT, task TEXT, "
            "payload TEXT, outputs TEXT, submits INTEGER, cancels INTEGER, created_at REAL, ready_at REAL, "
            "cancelled_at REAL)"
        )
        aftersales.create_tables(self.db)
        self.db.commit()
        self.faults: dict[str, dict] = {}
        self.webhook: dict | None = None
        self.requests: dict[str, int] = {}
        self.rng = random.Random(seed)
        self.tickets = tickets.TicketDesk(self)  # trouble tickets and incidents (adapters.simulator.tickets)

    # --- reading -------------------------------------------------------------------------
    def partitions(self, stream: data.Stream, count: int) -> list[dict]:
        """The stream from its start in ``count`` ranges of the baseline, the last one without an end."""
        if stream.feed is not None or count < 1:
            return [{"cursor": None, "until": None}]
        slots = data.slot_count(stream, self.customers)
        count = max(1, min(count, slots))
        bounds = [slots * part // count for part in range(count)]
        return [
            {"cursor": f"b{start}", "until": f"b{bounds[part + 1]}" if part + 1 < count else None}
            for part, start in enumerate(bounds)
        ]

    def page(
        self, stream: data.Stream, cursor: str | None, updated_since: str | None, limit: int, until: str | None = None
    ) -> dict:
        if stream.feed is not None:
            if until:
                raise ValueError(until)  # a usage feed is not split
            return self.feed_page(stream, cursor, updated_since, limit)
        faults = self.faults.get(stream.system, {})
        if updated_since:
            cursor = self._cursor_after(stream, updated_since)
        phase, position = (cursor[0], int(cursor[1:])) if cursor else ("b", 0)
        items: list[dict] = []
        slots = data.slot_count(stream, self.customers)
        if until:  # a partition: the baseline up to its end, nothing after
            if until[0] != "b" or phase != "b" or not 0 <= position <= int(until[1:]) <= slots:
                raise ValueError(until)
            end = int(until[1:])
            while len(items) < limit and position < end:
                record = stream.make(self.seed, position)
                position += 1
                if record is not None:
                    items.append(record)
            return {
                "items": self._with_faults(items, stream, faults),
                "next_cursor": f"b{position}",
                "has_more": position < end,
            }
        while phase == "b" and len(items) < limit and position < slots:
            record = stream.make(self.seed, position)
            position += 1
            if record is not None:
                items.append(record)
        if phase == "b" and position >= slots:
            phase, position = "c", 0
        if phase == "c" and len(items) < limit:
            with self.lock:
                rows = self.db.execute(
                    "SELECT seq, payload FROM changes WHERE system=? AND stream=? AND seq>? ORDER BY seq LIMIT ?",
                    (stream.system, stream.name, position, limit - len(items)),
                ).fetchall()
            for seq, payload in rows:
                items.append(json.loads(payload))
                position = seq
        has_more = phase == "b" or bool(
            self.db.execute(
                "SELECT 1 FROM changes WHERE system=? AND stream=? AND seq>? LIMIT 1",
                (stream.system, stream.name, position),
            ).fetchone()
        )
        return {
            "items": self._with_faults(items, stream, faults),
            "next_cursor": f"{phase}{position}",
            "has_more": has_more,
        }

    def _cursor_after(self, stream: data.Stream, since: str) -> str:
        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        seconds = (moment - data.BASE_TIME).total_seconds()
        if seconds < data.slot_count(stream, self.customers) - 1:
            return f"b{max(0, int(seconds) + 1)}"
        with self.lock:
            row = self.db.execute(
                "SELECT MAX(seq) FROM changes WHERE system=? AND stream=? AND changed_at<=?",
                (stream.system, stream.name, moment.isoformat()),
            ).fetchone()
        return f"c{row[0] or 0}"

    def _with_faults(self, items: list[dict], stream: data.Stream, faults: dict) -> list[dict]:
        every = faults.get("malformed_every", 0)
        twice = faults.get("duplicate_every", 0)
        shaped = []
        for number, item in enumerate(items, start=1):
            if every and number % every == 0:
                item = {**item, stream.key: None, "garbage": "\x00not-a-record"}
            shaped.append(item)
            if twice and number % twice == 0:
                shaped.append(item)
        return shaped

    # --- fulfilment --------------------------------------------------------------------------
    def fulfil(self, system: str, task: str, reference: str, payload: dict) -> dict:
        """Start a task once per reference; a repeated submit only counts and answers the same."""
        took = self.faults.get(system, {}).get("fulfil_ms", 0) / 1000
        now = time.time()
        with self.lock:
            row = self.db.execute("SELECT task FROM fulfilments WHERE reference=?", (reference,)).fetchone()
            if row is None:
                outputs = data.fulfilment_outputs(self.seed, system, task, reference)
                extra, longer = aftersales.perform(self, system, task, reference, payload)
                outputs.update(extra)
                self.db.execute(
                    "INSERT INTO fulfilments VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?, NULL)",
                    (reference, system, task, json.dumps(payload), json.dumps(outputs), now, now + took + longer),
                )
            else:
                self.db.execute("UPDATE fulfilments SET submits = submits + 1 WHERE reference=?", (reference,))
            self.db.commit()
        return self.fulfilment(system, reference)

    def fulfilment(self, system: str, reference: str) -> dict | None:
        with self.lock:
            row = self.db.execute(
                "SELECT task, outputs, ready_at, cancelled_at FROM fulfilments WHERE reference=? AND system=?",
                (reference, system),
            ).fetchone()
        if row is None:
            return None
        task, outputs, ready_at, cancelled_at = row
        status = "cancelled" if cancelled_at else ("completed" if time.time() >= ready_at else "inProgress")
        return {"reference": reference, "task": task, "status": status, "outputs": json.loads(outputs)}

    def fulfilment_cancel(self, system: str, reference: str) -> dict | None:
        with self.lock:
            self.db.execute(
                "UPDATE fulfilments SET cancels = cancels + 1, cancelled_at = COALESCE(cancelled_at, ?) "
                "WHERE reference=? AND system=?",
                (time.time(), reference, system),
            )
            aftersales.undo(self, reference)
            self.db.commit()
        return self.fulfilment(system, reference)

    def fulfilment_log(self) -> list[dict]:
        with self.lock:
            rows = self.db.execute(
                "SELECT reference, system, task, submits, cancels, cancelled_at FROM fulfilments ORDER BY created_at"
            ).fetchall()
        return [
            {"reference": r, "system": s, "task": t, "submits": n, "cancels": c, "cancelled": bool(at)}
            for r, s, t, n, c, at in rows
        ]

    # --- changing --------------------------------------------------------------------------
    def generate_changes(
        self, system: str, count: int, stream_name: str | None = None, slot: int | None = None
    ) -> list[dict]:
        """Change ``count`` existing records of a system's stream (its first by default: new e-mail,
        plan, speed, tariff...), or ``count`` times the record in ``slot``, and log them. A change's
        last-modified time is later than the record's before, even if the clock says otherwise."""
        stream = self.streams.get((system, stream_name)) or next(
            s for (sys_, _), s in self.streams.items() if sys_ == system
        )
        if stream.feed is not None:
            return self.usage_arrives(stream, count, slot)
        slots = data.slot_count(stream, self.customers)
        changed = []
        with self.lock:
            for _ in range(count):
                record = None if slot is None else stream.make(self.seed, slot)
                if slot is not None and record is None:
                    raise ValueError(f"{system}/{stream.name} has no record in slot {slot}")
                while record is None:
                    record = stream.make(self.seed, self.rng.randrange(slots))
                latest = self.db.execute(
                    "SELECT payload FROM changes WHERE system=? AND stream=? AND record_key=? "
                    "ORDER BY seq DESC LIMIT 1",
                    (system, stream.name, str(record[stream.key])),
                ).fetchone()
                record = self._mutate(stream, json.loads(latest[0]) if latest else record)
                now = datetime.now(UTC)
                stamped = [k for k in ("LAST_MOD", "updatedAt", "changed", "ts", "updated") if k in record]
                before = max((record[k] for k in stamped), default="")
                stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                if stamp <= before:  # same format: text order is time order
                    now = datetime.fromisoformat(before.replace("Z", "+00:00")) + timedelta(microseconds=1)
                    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                record = {**record, **dict.fromkeys(stamped, stamp)}
                self.db.execute(
                    "INSERT INTO changes (system, stream, record_key, payload, changed_at) VALUES (?, ?, ?, ?, ?)",
                    (system, stream.name, str(record[stream.key]), json.dumps(record), now.isoformat()),
                )
                changed.append(record)
            self.db.commit()
        if self.webhook:
            self._push(system, stream, changed)
        return changed

    def _mutate(self, stream: data.Stream, record: dict) -> dict:
        record = json.loads(json.dumps(record))
        system = stream.system
        if stream.name == "products":  # the charge goes up by 1,00 (monthly if it has one); add-ons get renamed
            key = "MRC" if record.get("MRC") else "NRC" if record.get("NRC") else None
            if key:
                record[key] = f"{float(record[key].replace(',', '.')) + 1:.2f}".replace(".", ",")
            else:
                record["PROD_NM"] += " (new)"
        elif system == "crm":
            record["EMAIL_ADDR"] = record["EMAIL_ADDR"].replace("@", f".new{self.rng.randrange(1000)}@")
        elif system == "mobile" and stream.name == "iot":
            record["fleetSize"] = self.rng.randrange(5, 41)
        elif system == "mobile":
            record["plan"]["code"] = self.rng.choice(data.PLANS)
        elif system == "fixed":
            record["speed_down_mbps"] = self.rng.choice(data.SPEEDS)
        elif system == "logistics":
            record["status"] = "RETURNED"
        elif system == "partner" and stream.name == "subscriptions":
            record["sku"] = self.rng.choice(data.PARTNER_HELD)
            record["title"] = next(o["title"] for o in data.PARTNER_OFFERINGS if o["sku"] == record["sku"])
        elif system == "partner":
            record["monthly_eur"] = f"{float(record['monthly_eur']) + 1:.2f}"
        return record

    def _push(self, system: str, stream: data.Stream, records: list[dict]) -> None:
        secret = (self.webhook.get("secrets") or {}).get(system) or self.webhook.get("secret")
        if not secret:
            print(f"[simulator] no push secret for {system}: its changes wait for a pull", flush=True)
            return
        body = json.dumps({"system": system, "stream": stream.name, "records": records}).encode()
        request = Request(
            self.webhook["url"].replace("{system}", system),
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": push_signature(secret, body)},
        )
        try:
            urlopen(request, timeout=5).read()
        except OSError as error:  # the receiver may be down; pulls catch up later
            print(f"[simulator] push to {self.webhook['url']} failed: {error}", flush=True)


def push_signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """How a system signs what it pushes: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class Handler(BaseHTTPRequestHandler):
    estate: Estate

    def log_message(self, format, *args):  # quiet by default
        pass

    def _send(self, status: int, body: dict | list) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if parts == ["_control", "stats"]:
            return self._send(200, self.estate.requests)
        if parts == ["_control", "fulfilment"]:
            return self._send(200, {"tasks": self.estate.fulfilment_log()})
        if tickets.handle_get(self, parts):
            return None
        if len(parts) == 3 and parts[1] == "fulfilment":
            if not self._admitted(parts[0]):
                return
            found = self.estate.fulfilment(parts[0], parts[2])
            return self._send(200, found) if found else self._send(404, {"error": "no such fulfilment task"})
        if aftersales.handles(parts):
            if self._admitted(parts[0]):
                self._send(*aftersales.read(self.estate, parts))
            return
        partitions = len(parts) == 3 and parts[2] == "partitions"
        if len(parts) != 2 and not partitions:
            return self._send(404, {"error": "no such resource"})
        system, name = parts[:2]
        if self.headers.get("X-Api-Key") != self.estate.api_key:
            return self._send(401, {"error": "bad api key"})
        with self.estate.lock:
            self.estate.requests[system] = self.estate.requests.get(system, 0) + 1
        if self._inject_faults(system):
            return
        if (system, name) == ("fixed", "serviceability"):
            if not query.get("postcode"):
                return self._send(400, {"error": "postcode is required"})
            return self._send(
                200, data.serviceability(self.estate.seed, query["postcode"], query.get("house_number", ""))
            )
        stream = self.estate.streams.get((system, name))
        if stream is None:
            return self._send(404, {"error": "no such collection"})
        try:
            if partitions:
                return self._send(200, {"partitions": self.estate.partitions(stream, int(query.get("count", 1)))})
            limit = min(int(query.get("limit", 500)), MAX_LIMIT)
            page = self.estate.page(stream, query.get("cursor"), query.get("updated_since"), limit, query.get("until"))
        except (ValueError, IndexError):
            return self._send(400, {"error": "bad cursor, updated_since, until, limit or count"})
        return self._send(200, page)

    def _admitted(self, system: str) -> bool:
        """API key checked, request counted, faults injected; False when an answer was already sent."""
        if self.headers.get("X-Api-Key") != self.estate.api_key:
            self._send(401, {"error": "bad api key"})
            return False
        with self.estate.lock:
            self.estate.requests[system] = self.estate.requests.get(system, 0) + 1
        return not self._inject_faults(system)

    def _inject_faults(self, system: str) -> bool:
        faults = self.estate.faults.get(system)
        if not faults:
            return False
        if faults.get("latency_ms"):
            time.sleep(faults["latency_ms"] / 1000)
        with self.estate.lock:
            if faults.get("timeout_next", 0) > 0:
                faults["timeout_next"] -= 1
                hang = True
            else:
                hang = False
            if faults.get("fail_next", 0) > 0:
                faults["fail_next"] -= 1
                fail = True
            else:
                fail = self.estate.rng.random() < faults.get("error_rate", 0)
        if hang:
            time.sleep(faults.get("timeout_seconds", 3))
            self._send(504, {"error": "gateway timeout"})
            return True
        if fail:
            self._send(503, {"error": "service unavailable"})
            return True
        return False

    def do_POST(self):
        url = urlsplit(self.path)
        try:
            body = self._json = self._body()
        except json.JSONDecodeError:
            return self._send(400, {"error": "malformed JSON"})
        if url.path == "/_control/faults":
            self.estate.faults[body.pop("system")] = body
            return self._send(200, {"ok": True})
        if url.path == "/_control/changes":
            slot = body.get("slot")
            try:
                changed = self.estate.generate_changes(
                    body["system"], int(body.get("count", 1)), body.get("stream"), None if slot is None else int(slot)
                )
            except ValueError as error:
                return self._send(400, {"error": str(error)})
            return self._send(200, {"changed": len(changed), "records": changed})
        if url.path == "/_control/reset_stats":
            with self.estate.lock:
                self.estate.requests.clear()
            return self._send(200, {"ok": True})
        if url.path == "/_control/webhook":
            self.estate.webhook = body if body.get("url") else None
            return self._send(200, {"ok": True})
        parts = url.path.strip("/").split("/")
        if tickets.handle_post(self, parts, body):
            return None
        if len(parts) >= 2 and parts[0] in data.SYSTEMS and parts[1] == "fulfilment":
            return self._fulfilment_post(parts)
        return self._send(404, {"error": "no such resource"})

    def _fulfilment_post(self, parts: list[str]) -> None:
        system = parts[0]
        if not self._admitted(system):
            return
        if len(parts) == 4 and parts[3] == "cancel":
            found = self.estate.fulfilment_cancel(system, parts[2])
            return self._send(200, found) if found else self._send(404, {"error": "no such fulfilment task"})
        if len(parts) != 2:
            return self._send(404, {"error": "no such resource"})
        body = self._json
        task, reference = body.get("task"), body.get("reference")
        if not isinstance(task, str) or not task or not isinstance(reference, str) or not reference:
            return self._send(400, {"error": "task and reference are required"})
        if task in self.estate.faults.get(system, {}).get("reject_tasks", ()):
            return self._send(422, {"error": f"{system} refuses {task}: not possible for this customer"})
        return self._send(200, self.estate.fulfil(system, task, reference, body.get("payload") or {}))


def make_server(host: str, port: int, estate: Estate) -> ThreadingHTTPServer:
    handler = type("EstateHandler", (Handler,), {"estate": estate})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
