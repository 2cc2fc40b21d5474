"""The simulated logistics and billing systems' after-sales side (stdlib only, the estate's SQLite).

Fulfilment tasks it knows (any other task name still just completes, ``server.Estate.fulfil``):
  logistics  ship_device · ship_replacement   a device with a new serial number -> {"serialNumber"}
             pickup_device                    a pick-up of the customer's device -> {"pickupId"}
             inspect_device                   -> {"inspection": "faulty" | "ok"} (the reason the customer gave)
             restock_device                   the device back in stock
             terminate_device                 the shipped product ends: the device is no longer the customer's
             repair_device                    a repair job: received -> repairing -> repaired (takes
                                              ``repair_ms``, a logistics fault setting) -> {"repairJob"}
             return_repaired                  the repaired device back with the customer (job: returned)
             ship_loaner · collect_loaner     a loaner device lent, and taken back -> {"loanerSerialNumber"}
  crm        credit_account                   the refund credited to the billing account -> {"adjustmentId"}
             settle_difference                an exchange's difference: charged, credited, or nothing
Every one is undone by the system's cancel: a device goes back to where it was, a billing adjustment
is reversed. The payload's ``characteristics`` carry ``serialNumber``, ``billingAccount``, ``refund`` or
``charge`` and ``currency`` (Overlay's after-sales terms); ``inputs`` what earlier tasks reported.

Reads, each behind ``X-Api-Key``:
  GET /logistics/devices/{serial}              {"serial", "state", "customer", "moves": [...]}
  GET /logistics/repairs/{repairJob}           {"id", "serial", "state"}
  GET /crm/accounts/{account}/adjustments      {"account", "adjustments": [{"kind", "amount", ...}], "balance"}
"""

import random
import time
from decimal import Decimal

WITH_CUSTOMER, RETURNING, INSPECTED, IN_STOCK, IN_REPAIR, LOANED = (
    "withCustomer",
    "returning",
    "inspected",
    "inStock",
    "inRepair",
    "loaned",
)
# task -> the state it leaves the customer's device in
DEVICE_MOVES = {
    "pickup_device": RETURNING,
    "inspect_device": INSPECTED,
    "restock_device": IN_STOCK,
    "repair_device": IN_REPAIR,
    "return_repaired": WITH_CUSTOMER,
}
NEW_DEVICES = {"ship_device": WITH_CUSTOMER, "ship_replacement": WITH_CUSTOMER, "ship_loaner": LOANED}


def create_tables(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS devices (serial TEXT PRIMARY KEY, state TEXT, customer TEXT)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS device_moves (reference TEXT, serial TEXT, task TEXT, before TEXT, "
        "after TEXT, at REAL, undone INTEGER DEFAULT 0)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS adjustments (reference TEXT PRIMARY KEY, id TEXT, account TEXT, kind TEXT, "
        "amount TEXT, currency TEXT, at REAL, reversed INTEGER DEFAULT 0)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS repairs (id TEXT PRIMARY KEY, reference TEXT, serial TEXT, created_at REAL, "
        "ready_at REAL, returned INTEGER DEFAULT 0, cancelled INTEGER DEFAULT 0)"
    )


def _serial(rng: random.Random) -> str:
    """An IMEI-like serial number (15 digits)."""
    return f"35{rng.randrange(10**13):013d}"


def _move(db, reference: str, serial: str, task: str, after: str, customer: str | None = None) -> None:
    row = db.execute("SELECT state FROM devices WHERE serial=?", (serial,)).fetchone()
    before = row[0] if row else WITH_CUSTOMER  # a device shipped before the estate kept devices
    db.execute(
        "INSERT INTO devices VALUES (?, ?, ?) ON CONFLICT(serial) DO UPDATE SET state=excluded.state, "
        "customer=COALESCE(excluded.customer, devices.customer)",
        (serial, after, customer),
    )
    db.execute(
        "INSERT INTO device_moves VALUES (?, ?, ?, ?, ?, ?, 0)", (reference, serial, task, before, after, time.time())
    )


def _adjust(db, reference: str, account: str, kind: str, amount: str, currency: str, rng) -> str:
    adjustment = f"ADJ-{rng.randrange(10**9):09d}"
    db.execute(
        "INSERT OR IGNORE INTO adjustments VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
        (reference, adjustment, account, kind, str(Decimal(amount)), currency or "EUR", time.time()),
    )
    return adjustment


def perform(estate, system: str, task: str, reference: str, payload: dict) -> tuple[dict, float]:
    """Carry out an after-sales task once (the estate's lock is held): extra outputs, and how many more
    seconds it takes in the system."""
    rng = random.Random(f"{estate.seed}:aftersales:{reference}")
    terms = payload.get("characteristics") or {}
    inputs = payload.get("inputs") or {}
    customer = str(payload.get("customer") or "")
    serial = str(terms.get("serialNumber") or "")
    db = estate.db
    if system == "logistics" and task in NEW_DEVICES:
        new = _serial(rng)
        _move(db, reference, new, task, NEW_DEVICES[task], customer)
        return ({"loanerSerialNumber": new} if task == "ship_loaner" else {"serialNumber": new}), 0.0
    if system == "logistics" and task in DEVICE_MOVES and serial:
        _move(db, reference, serial, task, DEVICE_MOVES[task], customer)
        if task == "pickup_device":
            return {"pickupId": f"RMA-{rng.randrange(10**9):09d}"}, 0.0
        if task == "inspect_device":
            return {"inspection": "faulty" if terms.get("reason") == "faulty" else "ok"}, 0.0
        if task == "repair_device":
            took = estate.faults.get("logistics", {}).get("repair_ms", 0) / 1000
            job = f"RPR-{rng.randrange(10**9):09d}"
            db.execute(
                "INSERT INTO repairs VALUES (?, ?, ?, ?, ?, 0, 0)",
                (job, reference, serial, time.time(), time.time() + took),
            )
            return {"repairJob": job}, took
        if task == "return_repaired":
            db.execute("UPDATE repairs SET returned=1 WHERE serial=? AND cancelled=0", (serial,))
        return {}, 0.0
    if system == "logistics" and task == "terminate_device" and serial:
        _move(db, reference, serial, task, IN_STOCK)
        db.execute("UPDATE devices SET customer=NULL WHERE serial=?", (serial,))
        return {}, 0.0
    if system == "logistics" and task == "collect_loaner" and inputs.get("loanerSerialNumber"):
        _move(db, reference, inputs["loanerSerialNumber"], task, IN_STOCK)
        return {}, 0.0
    account = str(terms.get("billingAccount") or customer)
    if system == "crm" and task in ("credit_account", "settle_difference"):
        if terms.get("refund"):
            return {
                "adjustmentId": _adjust(db, reference, account, "credit", terms["refund"], terms.get("currency"), rng)
            }, 0.0
        if terms.get("charge"):
            return {
                "adjustmentId": _adjust(db, reference, account, "charge", terms["charge"], terms.get("currency"), rng)
            }, 0.0
        return {"settled": "nothing to settle"}, 0.0
    return {}, 0.0


def undo(estate, reference: str) -> None:
    """The cancel of an after-sales task (the estate's lock is held): devices back, adjustments reversed."""
    db = estate.db
    for serial, before in db.execute(
        "SELECT serial, before FROM device_moves WHERE reference=? AND undone=0 ORDER BY rowid DESC", (reference,)
    ).fetchall():
        db.execute("UPDATE devices SET state=? WHERE serial=?", (before, serial))
    db.execute("UPDATE device_moves SET undone=1 WHERE reference=?", (reference,))
    db.execute("UPDATE adjustments SET reversed=1 WHERE reference=?", (reference,))
    db.execute("UPDATE repairs SET cancelled=1 WHERE reference=?", (reference,))


def handles(parts: list[str]) -> bool:
    return (len(parts) == 3 and parts[0] == "logistics" and parts[1] in ("devices", "repairs")) or (
        len(parts) == 4 and parts[:2] == ["crm", "accounts"] and parts[3] == "adjustments"
    )


def read(estate, parts: list[str]) -> tuple[int, dict]:
    """One of the reads above: (status, body)."""
    with estate.lock:
        if parts[1] == "devices":
            return _device(estate.db, parts[2])
        if parts[1] == "repairs":
            return _repair(estate.db, parts[2])
        return _adjustments(estate.db, parts[2])


def _device(db, serial: str) -> tuple[int, dict]:
    row = db.execute("SELECT state, customer FROM devices WHERE serial=?", (serial,)).fetchone()
    if row is None:
        return 404, {"error": "no such device"}
    moves = db.execute(
        "SELECT task, before, after, undone FROM device_moves WHERE serial=? ORDER BY rowid", (serial,)
    ).fetchall()
    return 200, {
        "serial": serial,
        "state": row[0],
        "customer": row[1],
        "moves": [{"task": t, "from": b, "to": a, "undone": bool(u)} for t, b, a, u in moves],
    }


def _repair(db, job: str) -> tuple[int, dict]:
    row = db.execute(
        "SELECT serial, created_at, ready_at, returned, cancelled FROM repairs WHERE id=?", (job,)
    ).fetchone()
    if row is None:
        return 404, {"error": "no such repair job"}
    serial, created, ready, returned, cancelled = row
    now = time.time()
    if cancelled:
        state = "cancelled"
    elif returned:
        state = "returned"
    elif now >= ready:
        state = "repaired"
    else:
        state = "repairing" if now > created else "received"
    return 200, {"id": job, "serial": serial, "state": state}


def _adjustments(db, account: str) -> tuple[int, dict]:
    rows = db.execute(
        "SELECT id, kind, amount, currency, reversed, reference FROM adjustments WHERE account=? ORDER BY at",
        (account,),
    ).fetchall()
    adjustments = [
        {"id": i, "kind": k, "amount": a, "currency": c, "reversed": bool(r), "reference": ref}
        for i, k, a, c, r, ref in rows
    ]
    balance = sum(
        (Decimal(a["amount"]) * (1 if a["kind"] == "charge" else -1) for a in adjustments if not a["reversed"]),
        Decimal(0),
    )
    return 200, {"account": account, "adjustments": adjustments, "balance": str(balance)}
