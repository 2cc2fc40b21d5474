"""JSON bodies, checked whole before a view sees them.

A body is refused at parse time, as a TMF error and before anything is written, when it is
larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413), is not JSON in a text encoding, writes
``NaN``/``Infinity`` or a number too large for a float, is nested deeper than ``MAX_DEPTH``,
or holds text (a key or a value, JSON fields included) with a lone surrogate or a NUL
character (400). PostgreSQL can store neither of those characters and no response could
encode a lone surrogate: refused here, they cannot reach a serializer, a JSON field or an
error message.
"""

import json
import math
import re

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError

# TMF bodies nest a handful of levels (an order item's product's characteristic's value);
# deeper nesting is an attack on the parser or on whatever walks the data afterwards.
MAX_DEPTH = 32
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payloadTooLarge"


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def read_body(stream) -> bytes:
    """The body's bytes, refused with a 413 beyond ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    limit = body_limit()
    raw = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return raw


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number.")


def load_json(raw: bytes, encoding: str = "utf-8"):
    """Parse a JSON body and check all of it (see the module's docstring); ParseError when refused."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise ParseError(f"The body is not valid {encoding}.") from error
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ParseError(f"The body is nested more than {MAX_DEPTH} levels deep.") from error
    except ValueError as error:
        raise ParseError(f"JSON parse error - {error}") from error
    check_json(data)
    return data


def check_json(data) -> None:
    """Refuse bad text, non-finite numbers and deep nesting anywhere in parsed JSON (walked without recursion)."""
    stack = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            if BAD_TEXT.search(value):
                raise ParseError(f"{where or 'The body'}: text must be Unicode without NUL or lone surrogates.")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ParseError(f"{where or 'The body'}: numbers must be finite.")
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise ParseError(f"The body is nested more than {MAX_DEPTH} levels deep.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and BAD_TEXT.search(key):
                    raise ParseError(f"{where or 'The body'}: names must be Unicode without NUL or lone surrogates.")
                path = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else key
                stack.append((item, path[:200], depth + 1))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with the checks above."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        return load_json(read_body(stream), encoding)


class MergePatchJSONParser(JSONParser):
    """JSON Merge Patch (RFC 7386), the body TMF PATCH requests send."""

    media_type = "application/merge-patch+json"
