"""Overlay's settings plus one bare view, for the catalog benchmark's baseline."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
# Measured over plain http on loopback (production settings redirect to https).
os.environ.setdefault("HTTPS_ONLY", "0")

from overlay.settings import *  # noqa: F403

ROOT_URLCONF = "bench.catalog.urls"
# The benchmark measures the API, not the limiter.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
