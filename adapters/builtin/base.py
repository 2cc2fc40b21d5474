"""Shared plumbing for adapters of systems that page with an opaque cursor."""

from datetime import UTC, datetime, timedelta

from adapters.contracts import FulfilmentRejected, FulfilmentStatus, MappingError, Page, Partition, Refused
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
