"""The simulated systems' trouble-ticket desks (stdlib only, like the rest of the simulator).

Every system keeps tickets in its own legacy shape: a number of its own (``FIX-000001``), a state
code (``ACK``, ``WIP``, ``PEND``, ``HOLD``, ``RSLV``, ``CLSD``, ``RJCT``), a revision that grows with
each change, and its engineers' notes. Routes, behind ``X-Api-Key``:
  POST /{system}/tickets            {"reference": "<Overlay's id>", "summary", "description", "severity",
                                     "category", "product": {"id", "name"}}   idempotent by reference
  GET  /{system}/tickets/{reference}  -> the ticket (404 when unknown)
  GET  /{system}/incidents          -> {"items": [{"id", "title", "since", "status": "OPEN"}]} open faults
Control (tests and demos):
  POST /_control/tickets    {"reference": "...", "state": "RSLV", "note": "Replaced the ONT."}
                            moves a ticket on (a new revision) and pushes it when a webhook is set
  GET  /_control/tickets    every ticket with its state and revision
  POST /_control/incidents  {"system": "fixed", "title": "Fibre outage Amsterdam-Noord"}  opens an incident
                            ({"system": ..., "close": "<id>"} closes one)
A push goes to the webhook URL with ``/events`` replaced by ``/tickets`` (or to its ``tickets_url``):
``{"system": "fixed", "tickets": [{...}]}``, signed like every push.
"""

import json
from datetime import UTC, datetime
from urllib.request import Request, urlopen

STATES = ("ACK", "WIP", "PEND", "HOLD", "RSLV", "CLSD", "RJCT")
PREFIX = {"crm": "CRM", "mobile": "MOB", "fixed": "FIX", "logistics": "LOG", "partner": "PRT"}
# Each system starts with a known fault open: what an agent (and a ticket's enrichment) sees first.
STANDING_INCIDENTS = {
    "fixed": "Fibre outage: cabinet AMS-N-12 down, repair crew on site",
    "mobile": "Degraded 4G data around Utrecht Centraal",
}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class TicketDesk:
    """Tickets and incidents of every system, in the estate's SQLite database."""

    def __init__(self, estate):
        self.estate = estate
        self.db = estate.db
        with estate.lock:
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS tickets (reference TEXT PRIMARY KEY, system TEXT, number TEXT, "
                "body TEXT, submits INTEGER)"
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, system TEXT, title TEXT, since TEXT, "
                "closed INTEGER DEFAULT 0)"
            )
            for system, title in STANDING_INCIDENTS.items():
                self.db.execute(
                    "INSERT OR IGNORE INTO incidents (id, system, title, since) VALUES (?, ?, ?, ?)",
                    (f"INC-{PREFIX[system]}-1", system, title, "2026-01-01T00:00:00.000000Z"),
                )
            self.db.commit()

    # --- the systems' API ------------------------------------------------------------------
    def submit(self, system: str, body: dict) -> dict:
        reference = body["reference"]
        with self.estate.lock:
            row = self.db.execute("SELECT body FROM tickets WHERE reference=?", (reference,)).fetchone()
            if row is None:
                count = self.db.execute("SELECT COUNT(*) FROM tickets WHERE system=?", (system,)).fetchone()[0]
                number = f"{PREFIX[system]}-{count + 1:06d}"
                ticket = {
                    "reference": reference,
                    "ticketNo": number,
                    "state": "ACK",
                    "revision": 1,
                    "summary": str(body.get("summary") or "")[:200],
                    "severity": body.get("severity") or "",
                    "category": body.get("category") or "",
                    "product": body.get("product") or {},
                    "eta": None,
                    "reason": "Received by the service desk",
                    "notes": [],
                    "updated": _now(),
                }
                self.db.execute(
                    "INSERT INTO tickets VALUES (?, ?, ?, ?, 1)", (reference, system, number, json.dumps(ticket))
                )
            else:
                ticket = json.loads(row[0])
                self.db.execute("UPDATE tickets SET submits = submits + 1 WHERE reference=?", (reference,))
            self.db.commit()
        return ticket

    def ticket(self, system: str | None, reference: str) -> dict | None:
        with self.estate.lock:
            if system is None:
                row = self.db.execute("SELECT body FROM tickets WHERE reference=?", (reference,)).fetchone()
            else:
                row = self.db.execute(
                    "SELECT body FROM tickets WHERE reference=? AND system=?", (reference, system)
                ).fetchone()
        return json.loads(row[0]) if row else None

    def incidents(self, system: str) -> list[dict]:
        with self.estate.lock:
            rows = self.db.execute(
                "SELECT id, title, since FROM incidents WHERE system=? AND closed=0 ORDER BY since, id", (system,)
            ).fetchall()
        return [{"id": i, "title": t, "since": s, "status": "OPEN"} for i, t, s in rows]

    # --- control ---------------------------------------------------------------------------
    def move(self, reference: str, state: str, note: str = "") -> dict | None:
        """An engineer works on the ticket: a new state (and a note), a new revision; pushed when set up."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        with self.estate.lock:
            row = self.db.execute("SELECT system, body FROM tickets WHERE reference=?", (reference,)).fetchone()
            if row is None:
                return None
            system, ticket = row[0], json.loads(row[1])
            ticket["state"] = state
            ticket["revision"] += 1
            ticket["updated"] = _now()
            ticket["reason"] = note or ticket["reason"]
            if note:
                ticket["notes"].append(
                    {
                        "id": f"{ticket['ticketNo']}-N{len(ticket['notes']) + 1}",
                        "by": f"{system} engineer",
                        "text": note,
                        "at": ticket["updated"],
                    }
                )
            self.db.execute("UPDATE tickets SET body=? WHERE reference=?", (json.dumps(ticket), reference))
            self.db.commit()
        self.push(system, [ticket])
        return ticket

    def all(self) -> list[dict]:
        with self.estate.lock:
            rows = self.db.execute("SELECT system, body, submits FROM tickets ORDER BY rowid").fetchall()
        return [{"system": s, "submits": n, **json.loads(b)} for s, b, n in rows]

    def incident_change(self, body: dict) -> dict:
        system = body["system"]
        if system not in PREFIX:
            raise ValueError(f"no system '{system}'")
        with self.estate.lock:
            if body.get("close"):
                self.db.execute("UPDATE incidents SET closed=1 WHERE id=? AND system=?", (body["close"], system))
                incident = {"id": body["close"], "status": "CLOSED"}
            else:
                count = self.db.execute("SELECT COUNT(*) FROM incidents WHERE system=?", (system,)).fetchone()[0]
                incident = {"id": f"INC-{PREFIX[system]}-{count + 1}", "title": str(body.get("title") or "")[:200]}
                self.db.execute(
                    "INSERT INTO incidents (id, system, title, since) VALUES (?, ?, ?, ?)",
                    (incident["id"], system, incident["title"], _now()),
                )
            self.db.commit()
        return incident

    def push(self, system: str, tickets: list[dict]) -> None:
        webhook = self.estate.webhook
        if not webhook:
            return
        from adapters.simulator.server import push_signature  # the server imports this module

        secret = (webhook.get("secrets") or {}).get(system) or webhook.get("secret")
        if not secret:
            return
        url = webhook.get("tickets_url") or webhook["url"].replace("/events", "/tickets")
        body = json.dumps({"system": system, "tickets": tickets}).encode()
        request = Request(
            url.replace("{system}", system),
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": push_signature(secret, body)},
        )
        try:
            urlopen(request, timeout=5).read()
        except OSError as error:  # the receiver may be down: its poll catches up
            print(f"[simulator] ticket push failed: {error}", flush=True)


def handle_get(handler, parts: list[str]) -> bool:
    """Answer a GET for tickets or incidents; False when the path is none of theirs."""
    desk = handler.estate.tickets
    if parts == ["_control", "tickets"]:
        handler._send(200, {"tickets": desk.all()})
        return True
    if len(parts) >= 2 and parts[0] in PREFIX and parts[1] in ("tickets", "incidents"):
        if not handler._admitted(parts[0]):
            return True
        if parts[1] == "incidents" and len(parts) == 2:
            handler._send(200, {"items": desk.incidents(parts[0])})
        elif parts[1] == "tickets" and len(parts) == 3 and (found := desk.ticket(parts[0], parts[2])):
            handler._send(200, found)
        else:
            handler._send(404, {"error": "no such ticket"})
        return True
    return False


def handle_post(handler, parts: list[str], body: dict) -> bool:
    """Answer a POST for tickets (the systems' API and the controls); False when the path is none of theirs."""
    desk = handler.estate.tickets
    if parts == ["_control", "tickets"]:
        try:
            moved = desk.move(str(body.get("reference") or ""), body.get("state"), str(body.get("note") or ""))
        except ValueError as error:
            handler._send(400, {"error": str(error)})
            return True
        handler._send(200, moved) if moved else handler._send(404, {"error": "no such ticket"})
        return True
    if parts == ["_control", "incidents"]:
        try:
            handler._send(200, desk.incident_change(body))
        except (KeyError, ValueError) as error:
            handler._send(400, {"error": str(error)})
        return True
    if len(parts) == 2 and parts[0] in PREFIX and parts[1] == "tickets":
        if not handler._admitted(parts[0]):
            return True
        if not isinstance(body.get("reference"), str) or not body["reference"]:
            handler._send(400, {"error": "reference is required"})
            return True
        handler._send(200, desk.submit(parts[0], body))
        return True
    return False
