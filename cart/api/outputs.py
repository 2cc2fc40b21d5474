"""Shapes of the hand-off answers, for the OpenAPI schema only (``representations.py`` builds them)."""

from rest_framework import serializers

from overlay.api.outputs import Ref, resource, shape, text, timestamp

HandoffCreated = shape(
    "HandoffCreated",
    {
        "code": text(),
        "expiresAt": timestamp(),
        "deepLink": text(),
        "qrCode": text(),
        "shoppingCart": Ref(),
    },
)
HandoffClaimed = shape(
    "HandoffClaimed",
    {
        "shoppingCart": resource("ShoppingCart")(),
        "context": serializers.DictField(help_text="What the first channel handed over: configurator, place, note."),
        "fromChannel": text(),
        "handedOffAt": timestamp(),
        "claimedAt": timestamp(),
    },
)
