from rest_framework.parsers import JSONParser


class MergePatchJSONParser(JSONParser):
    """JSON Merge Patch (RFC 7386), the body TMF PATCH requests send."""

    media_type = "application/merge-patch+json"
