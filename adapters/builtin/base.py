"""Shared plumbing for adapters of systems that page with an opaque cursor."""

from datetime import UTC, datetime, timedelta

from adapters.contracts import (
    FulfilmentRejected,
    FulfilmentStatus,
    Incident,
    MappingError,
    Page,
    Partition,
    Refused,
    TicketNoteRecord,
    TicketState,
)
from adapters.http import BackOfficeClient


class CursorPagedSource:
    """Systems answering ``GET /{system}/{stream}?cursor=&limit=`` with ``{items, next_cursor, has_more}``."""

    streams: dict[str, str] = {}
    keys: dict[str, str] = {}  # stream -> the attribute holding a record's id

    def __init__(self, system):
        self.system = system
        self.client = BackOfficeClient(
            system_code=system.code,
            base_url=system.base_url,
            credentials_ref=system.credentials_ref,
            timeout=system.timeout_seconds,
        )

    def close(self) -> None:
        self.client.close()

    def path(self, stream: str) -> str:
        raise NotImplementedError

    def fetch_page(self, stream: str, cursor: str | None, limit: int, until: str | None = None) -> Page:
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        if until:
            params["until"] = until
        body = self.client.get_json(self.path(stream), params)
        return Page(records=list(body.get("items", [])), next_cursor=body["next_cursor"], has_more=body["has_more"])

    def partitions(self, stream: str, count: int) -> list[Partition]:
        """``GET /{system}/{stream}/partitions?count=N`` -> ``{"partitions": [{"cursor", "until"}, ...]}``."""
        body = self.client.get_json(f"{self.path(stream)}/partitions", {"count": count})
        return [Partition(part.get("cursor") or None, part.get("until") or None) for part in body["partitions"]]

    def record_key(self, stream: str, raw: dict) -> str:
        value = raw.get(self.keys[stream]) if isinstance(raw, dict) else None
        return str(value) if value not in (None, "") else ""


class SimulatedFulfilment:
    """The simulator's fulfilment API, the same on every system: ``/{prefix}/fulfilment``.

    Mixed into an adapter that has ``self.client``; ``fulfilment_prefix`` is the system's path prefix.
    """

    fulfilment_prefix = ""

    def submit(self, task: str, reference: str, payload) -> FulfilmentStatus:
        body = self._call("POST", "", {"task": task, "reference": reference, "payload": dict(payload)})
        return _status(body)

    def status(self, reference: str) -> FulfilmentStatus:
        return _status(self._call("GET", f"/{reference}"))

    def compensate(self, undo_task: str, reference: str) -> None:
        self._call("POST", f"/{reference}/cancel", {"task": undo_task})

    def _call(self, method: str, suffix: str, body: dict | None = None) -> dict:
        try:
            return self.client.request_json(method, f"/{self.fulfilment_prefix}/fulfilment{suffix}", body=body)
        except Refused as error:
            raise FulfilmentRejected(error.detail or str(error)) from error


def _status(body: dict) -> FulfilmentStatus:
    state = body.get("status")
    if state not in FulfilmentStatus.STATES:
        raise FulfilmentRejected(f"unexpected fulfilment status {state!r}")
    return FulfilmentStatus(state=state, outputs={k: str(v) for k, v in (body.get("outputs") or {}).items()})


def required(raw: dict, *path: str) -> str:
    value = raw
    for key in path:
        if not isinstance(value, dict) or value.get(key) in (None, ""):
            raise MappingError(f"'{'.'.join(path)}' is missing")
        value = value[key]
    return str(value)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise MappingError(f"'{value}' is not a timestamp") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def version_of(last_modified: str | None) -> int | None:
    """A record's version from its last-modified time: microseconds since the epoch (None without one).

    Versions only need to grow with each change of a record; a system that keeps a revision
    number maps that instead.
    """
    moment = parse_time(last_modified)
    return None if moment is None else (moment - EPOCH) // MICROSECOND


class SimulatedTicketDesk:
    """The simulator's ticket desk, the same on every system: ``/{prefix}/tickets`` and ``/{prefix}/incidents``.

    Mixed into an adapter that has ``self.client``; ``fulfilment_prefix`` is the system's path prefix.
    Its states are the desk's codes, mapped here to TMF621's.
    """

    ticket_states = {
        "ACK": "acknowledged",
        "WIP": "inProgress",
        "PEND": "pending",
        "HOLD": "held",
        "RSLV": "resolved",
        "CLSD": "closed",
        "RJCT": "rejected",
    }

    def ticket_submit(self, reference: str, payload) -> TicketState:
        body = self.client.post_json(f"/{self.fulfilment_prefix}/tickets", {"reference": reference, **dict(payload)})
        return self.map_ticket(body)

    def ticket_status(self, reference: str) -> TicketState:
        return self.map_ticket(self.client.get_json(f"/{self.fulfilment_prefix}/tickets/{reference}"))

    def map_ticket(self, raw: dict) -> TicketState:
        state = raw.get("state") if isinstance(raw, dict) else None
        if state not in self.ticket_states:
            raise MappingError(f"unknown ticket state {state!r}")
        revision = raw.get("revision")
        if not isinstance(revision, int) or isinstance(revision, bool):
            raise MappingError(f"revision {revision!r} is not a number")
        return TicketState(
            reference=required(raw, "reference"),
            external_id=required(raw, "ticketNo"),
            status=self.ticket_states[state],
            version=revision,
            reason=str(raw.get("reason") or "")[:300],
            expected_resolution=parse_time(raw.get("eta")),
            notes=tuple(
                TicketNoteRecord(external_id=required(n, "id"), author=str(n.get("by") or ""), text=str(n.get("text")))
                for n in raw.get("notes") or ()
            ),
        )

    def incidents(self) -> list[Incident]:
        body = self.client.get_json(f"/{self.fulfilment_prefix}/incidents")
        return [
            Incident(external_id=required(i, "id"), title=str(i.get("title") or ""), since=parse_time(i.get("since")))
            for i in body.get("items") or ()
        ]
