"""Rendering and fault handling shared by the UI views."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render

from astakos.identity.users import is_admin
from astakos.ui.session import current_user
from snf_common.faults import Fault

STATIC = Path(__file__).resolve().parent.parent / "static" / "ui"


def render(request: HttpRequest, template: str, context: dict[str, Any] | None = None,
           *, status: int = 200) -> HttpResponse:
    user = current_user(request)
    data = {"user": user, "is_admin": bool(user and is_admin(user)),
            "messages": messages.get_messages(request)}
    data.update(context or {})
    return django_render(request, f"ui/{template}", data, status=status)


def attempt(request: HttpRequest, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Run a domain call; a fault becomes an error message for the next page."""
    try:
        return True, action()
    except Fault as fault:
        messages.error(request, fault.message)
        return False, fault


def stylesheet(request: HttpRequest) -> HttpResponse:
    response = HttpResponse((STATIC / "astakos.css").read_bytes(), content_type="text/css")
    response["Cache-Control"] = "max-age=3600"
    return response
