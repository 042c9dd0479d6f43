"""The public base URL of the Cyclades APIs, as clients must see it in links."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def base_url(request: HttpRequest) -> str:
    """CYCLADES_BASE_URL when set (behind a proxy), else the request's own origin."""
    cached = getattr(request, "_cyclades_base_url", None)
    if cached is None:
        configured = settings.CYCLADES_BASE_URL
        cached = configured.rstrip("/") if configured else \
            f"{request.scheme}://{request.get_host()}"
        request._cyclades_base_url = cached
    return cached
