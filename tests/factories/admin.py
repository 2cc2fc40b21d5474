"""Filling in the admin's forms as a browser would: read a change page's form, change some fields, post it."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            ticked = attrs.get("type") in ("checkbox", "radio")
            if ticked and "checked" not in attrs:
                return
            # A browser sends an empty text input as "" and a ticked box without a value as "on".
            self.values.setdefault(name, []).append(attrs.get("value", "on" if ticked else ""))
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(html: str) -> dict[str, list[str]]:
    """Every field of the page's forms with the values a browser would submit unchanged."""
    reader = _FormReader()
    reader.feed(html)
    return reader.values


def post_changed(client, url: str, **changes):
    """GET the admin page at ``url``, change the named fields (lists for multi-values), POST it back."""
    data = form_data(client.get(url).content.decode())
    for name, value in changes.items():
        data[name.replace("__", "-")] = value if isinstance(value, list) else [str(value)]
    return client.post(url, data)
