"""Token authentication for every service: X-Auth-Token -> request.credentials.

Services other than Astakos validate tokens through the Identity client with a
short cache; Astakos plugs in its own local validator (setting TOKEN_VALIDATOR).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Fault, Forbidden, MethodNotAllowed, Unauthorized

TOKEN_HEADERS = ("HTTP_X_AUTH_TOKEN", "HTTP_X_STORAGE_TOKEN")

_validator_lock = threading.Lock()
_validator: Callable[[str], Credentials | None] | None = None


def identity_validator(token: str) -> Credentials | None:
    """Default validator: ask Astakos (Keystone v3) through the shared client, cached."""
    from snf_common.clients.identity import cached_identity_client

    client = cached_identity_client(settings.IDENTITY_URL,
                                    ttl_seconds=settings.TOKEN_CACHE_SECONDS,
                                    service_token=getattr(settings, "SERVICE_TOKEN", "") or "")
    return client.validate(token)


def get_validator() -> Callable[[str], Credentials | None]:
    global _validator
    with _validator_lock:
        if _validator is None:
            path = getattr(settings, "TOKEN_VALIDATOR", "") or \
                "snf_common.django.auth.identity_validator"
            _validator = import_string(path)
        return _validator


def reset_validator() -> None:
    global _validator
    with _validator_lock:
        _validator = None


def request_token(request: HttpRequest) -> str:
    for header in TOKEN_HEADERS:
        value = request.META.get(header)
        if value:
            return value.strip()
    return ""


class TokenAuthMiddleware:
    """Sets request.credentials (None when absent or invalid) and request.auth_error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.credentials = None
        request.auth_error = None
        token = request_token(request)
        if token:
            try:
                request.credentials = get_validator()(token)
            except Fault as fault:
                request.auth_error = fault
            if request.credentials is None and request.auth_error is None:
                request.auth_error = Unauthorized("The token is invalid or has expired.")
        return self.get_response(request)


def require_credentials(request: HttpRequest) -> Credentials:
    if request.credentials is not None:
        return request.credentials
    if request.auth_error is not None and request.auth_error.status != 401:
        raise request.auth_error  # e.g. Astakos unreachable: 503, not "bad token"
    raise Unauthorized("Authentication required: send a valid X-Auth-Token.")


def api_view(methods: tuple[str, ...] | list[str], *, auth: bool = True,
             admin: bool = False) -> Callable:
    """Marks a view as an API endpoint: method check, token check, no CSRF."""
    allowed = {m.upper() for m in methods}

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                raise MethodNotAllowed(f"Method {request.method} not allowed here.",
                                       headers={"Allow": ", ".join(sorted(allowed))})
            if auth:
                credentials = require_credentials(request)
                if admin and not credentials.is_admin:
                    raise Forbidden("Administrator role required.")
            return view(request, *args, **kwargs)

        wrapper.csrf_exempt = True
        return wrapper

    return decorate


def json_body(request: HttpRequest, *, required: bool = True) -> Any:
    """The request body as JSON, or BadRequest naming what is wrong."""
    raw = request.body
    if not raw:
        if required:
            raise BadRequest("A JSON request body is required.")
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Malformed JSON body: {exc}") from None
