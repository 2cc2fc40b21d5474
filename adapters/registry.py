"""The one pluggable seam: a BackOfficeSystem names its adapter class by dotted path."""

from django.utils.module_loading import import_string

from overlay.errors import UnprocessableEntity


def adapter_class(path: str):
    try:
        cls = import_string(path)
    except ImportError as error:
        raise UnprocessableEntity(f"No adapter class at '{path}'.") from error
    if not (hasattr(cls, "streams") and hasattr(cls, "fetch_page") and hasattr(cls, "map_record")):
        raise UnprocessableEntity(f"'{path}' does not implement the pull-source contract.")
    return cls


def adapter_for(system):
    """An adapter instance for a configured system (close it when done)."""
    return adapter_class(system.adapter)(system)
