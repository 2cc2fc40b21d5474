"""A Content-Security-Policy on every response: the API, the admin and its agent console, Swagger UI.

Scripts load only from Overlay's own origin (its static files, Swagger UI's from the sidecar
included) and, inline, only those written in Overlay's own templates, each allowed by its hash:
text that finds its way into a page cannot run. Styles may be inline (the admin, the console
and Swagger UI set style attributes), images may be data: URIs (Swagger UI's icons); nothing
may frame a page, and forms post back to Overlay only. ``CONTENT_SECURITY_POLICY`` replaces
the whole policy.
"""

import base64
import hashlib
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.http import Http404

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
INLINE_SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)


def own_template_dirs() -> list[Path]:
    """Overlay's template directories: the project's and its apps' (not those of installed packages)."""
    root = Path(settings.BASE_DIR).resolve()
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(root) and "site-packages" not in path.parts:
            dirs.append(path / "templates")
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def inline_script_hashes() -> list[str]:
    """``'sha256-…'`` of each inline script in Overlay's templates that the template language leaves as written."""
    hashes = set()
    for directory in own_template_dirs():
        for template in sorted(directory.rglob("*.html")):
            for script in INLINE_SCRIPT.finditer(template.read_text(encoding="utf-8")):
                body = script.group("body")
                if "src=" in script.group("attributes") or "{{" in body or "{%" in body:
                    continue
                digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
                hashes.add(f"'sha256-{digest}'")
    return sorted(hashes)


def default_policy() -> str:
    directives = {**POLICY, "script-src": POLICY["script-src"] + inline_script_hashes()}
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to responses that do not set one of their own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY or default_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class ControlCharacterPathMiddleware:
    """A path with a control character (NUL above all: ``%00``) names nothing Overlay serves: 404 (a TMF error
    object on API paths) before a view looks it up. PostgreSQL refuses NUL in text, so every ``/{id}`` route
    answered such a path with a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in request.path_info):
            raise Http404("No resource at this path.")
        return self.get_response(request)
