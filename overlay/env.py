"""Reading settings from the environment, and refusing to start on what is missing or contradictory.

``overlay.settings`` reads every variable through one ``Environment``: a malformed value (a word
where a number goes) is noted, not raised, so that start-up lists every problem at once, one line
each, in a ``SettingsProblems`` (``manage.py`` prints it without a traceback).
"""

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET"}


class SettingsProblems(ImproperlyConfigured):
    """Every problem found in the settings, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Overlay cannot start: {len(problems)} problem(s) in its settings.\n{lines}")


class Environment:
    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def raw(self, name: str) -> str:
        return self.environ.get(name, "").strip()

    def is_set(self, name: str) -> bool:
        return self.raw(name) != ""

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name).lower()
        if not value:
            return default
        if value not in TRUE | FALSE:
            self.problems.append(f"{name} must be 1 or 0 (true/false, yes/no, on/off), not {value!r}.")
            return default
        return value in TRUE

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.raw(name)
        if not value:
            return default
        try:
            number = int(value)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, not {value!r}.")
            return default
        if number < minimum:
            self.problems.append(f"{name} must be at least {minimum}, not {number}.")
            return default
        return number

    def number(self, name: str, default: float, minimum: float = 0.0) -> float:
        value = self.raw(name)
        if not value:
            return float(default)
        try:
            number = float(value)
        except ValueError:
            self.problems.append(f"{name} must be a number (seconds may have decimals), not {value!r}.")
            return default
        if not number >= minimum:  # NaN too
            self.problems.append(f"{name} must be at least {minimum:g}, not {value}.")
            return default
        return number

    def items(self, name: str, default: str) -> list[str]:
        return [item.strip() for item in self.environ.get(name, default).split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: set[str]) -> str:
        value = self.raw(name) or default
        if value not in choices:
            self.problems.append(f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}.")
            return default
        return value

    def networks(self, name: str, default: str) -> list[str]:
        good = []
        for item in self.items(name, default):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                self.problems.append(f"{name}: {item!r} is not a network (CIDR, e.g. 10.0.0.0/8 or 127.0.0.1/32).")
            else:
                good.append(item)
        return good

    def log_levels(self, name: str) -> dict[str, str]:
        levels = {}
        for item in self.items(name, ""):
            logger, _, level = item.partition("=")
            if not logger.strip() or level.strip().upper() not in LOG_LEVELS:
                self.problems.append(f"{name}: {item!r} must be logger=LEVEL, e.g. adapters.http=DEBUG.")
            else:
                levels[logger.strip()] = level.strip().upper()
        return levels

    def secret_key(self, *, debug: bool, embedded: bool, key_file: Path) -> str:
        """``SECRET_KEY``; else, for a developer (``DEBUG``) or the embedded demo (no ``DATABASE_URL``), the
        demo's key that ``make run`` wrote; else a problem (production never falls back to a file or a default)."""
        if key := self.raw("SECRET_KEY"):
            return key
        if (debug or embedded) and key_file.is_file() and (key := key_file.read_text().strip()):
            return key
        if debug or self.raw("OVERLAY_ALLOW_INSECURE_KEY") == "1":
            return "insecure-development-key-do-not-use-in-production"
        self.problems.append(
            "SECRET_KEY must be set when DEBUG is off"
            + (f" (a `make run` checkout keeps its key in {key_file}: run `make run` once)." if embedded else ".")
        )
        return ""


def contradictions(s: Mapping) -> list[str]:
    """Settings that each read fine but cannot hold together (``s``: the settings module's globals)."""
    found = []
    if s["DEBUG"] and s["HTTPS_ONLY_SET"] and s["HTTPS_ONLY"]:
        found.append("HTTPS_ONLY=1 with DEBUG=1: the development server speaks plain http; drop one of them.")
    if s["CELERY_BROKER_URL"] and s["CELERY_TASK_ALWAYS_EAGER"] and not s["DEBUG"]:
        found.append(
            "CELERY_TASK_ALWAYS_EAGER=1 with CELERY_BROKER_URL set: jobs would run in the web process and the "
            "broker never be used; drop one of them."
        )
    if s["METRICS_ENABLED"] and not s["METRICS_TOKEN"] and not s["METRICS_ALLOWED_NETWORKS"]:
        found.append(
            "METRICS_ENABLED=1 needs METRICS_TOKEN or METRICS_ALLOWED_NETWORKS: /metrics is not open to everyone "
            "(or set METRICS_ENABLED=0)."
        )
    if s["CACHE_URL"] and not s["CACHE_URL"].startswith(("redis://", "rediss://")):
        found.append(f"CACHE_URL must be a redis:// URL (or empty: a cache per process), not {s['CACHE_URL']!r}.")
    if directory := s["PROMETHEUS_MULTIPROC_DIR"]:
        if not (os.path.isdir(directory) and os.access(directory, os.W_OK)):
            found.append(f"PROMETHEUS_MULTIPROC_DIR={directory} is not a writable directory: create it first.")
    return found
