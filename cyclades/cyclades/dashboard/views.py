"""Serve the dashboard's page and its static files (no staticfiles app: gunicorn serves them).

The page holds no user data and needs no token: the browser's JavaScript gets the
user's token from Astakos (see docs/cyclades.md, "Dashboard") and calls the public
APIs with it, so every call is checked exactly as any other client's.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from snf_common.faults import ItemNotFound

STATIC_DIR = Path(__file__).resolve().parent / "static" / "dashboard"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".svg": "image/svg+xml"}
ASSET_CACHE_SECONDS = 300


def astakos_url() -> str:
    """The Astakos base URL the browser uses (login page, identity and account APIs)."""
    configured = settings.CYCLADES_DASHBOARD_ASTAKOS_URL.rstrip("/")
    if configured:
        return configured
    base = settings.IDENTITY_URL.rstrip("/")
    for suffix in ("/identity/v3", "/identity/v2.0", "/identity"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=64)
def _asset(name: str) -> tuple[bytes, str, str]:
    path = STATIC_DIR / name
    data = path.read_bytes()
    return data, CONTENT_TYPES[path.suffix], hashlib.sha256(data).hexdigest()[:16]


def asset_names() -> set[str]:
    return {p.name for p in STATIC_DIR.iterdir() if p.suffix in CONTENT_TYPES}


def asset_version() -> str:
    """One short hash over all assets: the page links them with ?v= so a deploy busts caches."""
    digest = hashlib.sha256()
    for name in sorted(asset_names()):
        digest.update(_asset(name)[2].encode())
    return digest.hexdigest()[:12]


@require_GET
def asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in asset_names():  # only the files of the folder, never a path
        raise ItemNotFound(f"No dashboard file {name!r}.")
    data, content_type, etag = _asset(name)
    if request.headers.get("If-None-Match") == f'"{etag}"':
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type=content_type)
    response["ETag"] = f'"{etag}"'
    response["Cache-Control"] = f"max-age={ASSET_CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    astakos = astakos_url()
    response = render(request, "dashboard/index.html", {
        "astakos_url": astakos, "version": asset_version(),
        "cloud_name": settings.CYCLADES_DASHBOARD_TITLE})
    # The token lives in this page's sessionStorage: no inline script, no framing,
    # calls only to this origin and Astakos', forms only to Astakos.
    astakos_origin = origin_of(astakos)
    response["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {astakos_origin}; form-action 'self' {astakos_origin}; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
    response["Referrer-Policy"] = "no-referrer"
    response["X-Frame-Options"] = "DENY"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
