"""Log lines an operator can follow: one JSON object per line in production, each with its request's id.

``LOG_FORMAT=json`` (the default when DEBUG is off) or ``text``; ``LOG_LEVEL`` for the root logger and
``LOG_LEVELS`` (``adapters.http=DEBUG,celery=WARNING``) for single loggers. The request id comes from
``overlay.requestid``: the web request's, or the Celery job's (carried from the request that started it).
"""

import json
import logging
from datetime import UTC, datetime

from overlay import requestid


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``-`` outside any request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = requestid.current_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, requestId, process; the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": getattr(record, "request_id", "-"),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, log_format: str, level: str, levels: dict[str, str]) -> dict:
    """The ``LOGGING`` setting. httpx stays at WARNING unless named in ``levels``: a usage pull is hundreds
    of requests, and its per-request INFO lines would drown what the sync reports (Overlay logs its own
    back-office calls at DEBUG, with the request id: ``LOG_LEVELS=adapters.http=DEBUG``)."""
    loggers = {"django.db.backends": {"level": "INFO"}, "httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}}
    loggers.update({name: {"level": value} for name, value in levels.items()})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "overlay.logs.RequestIdFilter"}},
        "formatters": {"json": {"()": "overlay.logs.JsonFormatter"}, "text": {"format": TEXT_FORMAT}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }
