"""Shared plumbing for adapters of systems that page with an opaque cursor."""

from datetime import UTC, datetime

from adapters.contracts import MappingError, Page
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

    def fetch_page(self, stream: str, cursor: str | None, limit: int) -> Page:
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = self.client.get_json(self.path(stream), params)
        return Page(records=list(body.get("items", [])), next_cursor=body["next_cursor"], has_more=body["has_more"])

    def record_key(self, stream: str, raw: dict) -> str:
        value = raw.get(self.keys[stream]) if isinstance(raw, dict) else None
        return str(value) if value not in (None, "") else ""


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
