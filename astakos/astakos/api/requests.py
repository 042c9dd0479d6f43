"""Small request helpers shared by the Astakos APIs."""

from __future__ import annotations

from django.http import HttpRequest


def request_base(request: HttpRequest) -> str:
    """scheme://host:port the request came in on (used when ASTAKOS_BASE_URL is unset)."""
    return request.build_absolute_uri("/").rstrip("/")


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def query_flag(request: HttpRequest, name: str) -> bool:
    if name not in request.GET:
        return False
    return request.GET.get(name, "").lower() not in ("0", "false", "no")
