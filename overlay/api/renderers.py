"""The JSON renderer of every API response: it cannot fail on text.

The parsers refuse lone surrogates, but text can still come from elsewhere (rows stored before
they did, a back-office system's data): a response must never become a 500 because of it, and
one bad value must not take a whole list down. Such characters are rendered as U+FFFD.
"""

from rest_framework import renderers

from overlay.api.parsers import BAD_TEXT


def scrub(data):
    """``data`` with every lone surrogate and NUL in its text (keys included) replaced by U+FFFD."""
    if isinstance(data, str):
        return BAD_TEXT.sub("\ufffd", data)
    if isinstance(data, dict):
        return {scrub(key): scrub(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [scrub(item) for item in data]
    return data


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return super().render(scrub(data), accepted_media_type, renderer_context)
