"""Overlay's URLs plus /bench/bare: the same bytes as the measured page, from memory."""

import os
from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from overlay.urls import urlpatterns as overlay_urls


@cache
def body() -> bytes:
    # Written by the benchmark from the real page before the baseline is measured.
    return Path(os.environ["BENCH_BARE_BODY"]).read_bytes()


def bare(request):
    return HttpResponse(body(), content_type="application/json")


urlpatterns = [path("bench/bare", bare), *overlay_urls]
