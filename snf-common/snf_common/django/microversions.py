"""OpenStack microversion negotiation (`OpenStack-API-Version: <service> X.Y`).

A request names a version (or `latest`); none means the minimum. A version out
of the advertised range is 406, a malformed one 400. Services advertise only the
versions whose behaviour they implement, and echo the chosen one with `Vary`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from snf_common.django.auth import api_view
from snf_common.faults import BadRequest, Fault, NotAcceptable

HEADER = "OpenStack-API-Version"

Version = tuple[int, int]


def version_text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def requested_version(request: HttpRequest, service: str, *, minimum: Version,
                      maximum: Version, legacy_header: str | None = None) -> Version:
    """The version this request asks of `service`, checked against the range."""
    raw = None
    for part in (request.headers.get(HEADER) or "").split(","):
        words = part.strip().split()
        if len(words) == 2 and words[0].lower() == service:
            raw = words[1]
    if raw is None and legacy_header:
        raw = request.headers.get(legacy_header)
    if not raw:
        return minimum
    if raw.strip().lower() == "latest":
        return maximum
    try:
        major, minor = (int(x) for x in raw.strip().split("."))
    except ValueError:
        raise BadRequest(f"Invalid microversion {raw!r}.") from None
    if not minimum <= (major, minor) <= maximum:
        raise NotAcceptable(f"Version {raw} is not supported by the API. Minimum is "
                            f"{version_text(minimum)} and maximum is {version_text(maximum)}.")
    return major, minor


def version_headers(service: str, version: Version,
                    legacy_header: str | None = None) -> dict[str, str]:
    """The headers that echo the chosen version (and tell caches it matters)."""
    headers = {HEADER: f"{service} {version_text(version)}", "Vary": HEADER}
    if legacy_header:
        headers[legacy_header] = version_text(version)
        headers["Vary"] = f"{HEADER}, {legacy_header}"
    return headers


def negotiated_view(methods: tuple[str, ...], *, service: str, minimum: Version,
                    maximum: Version, legacy_header: str | None = None, auth: bool = True,
                    before: Callable[..., None] | None = None) -> Callable:
    """api_view plus microversion negotiation: the chosen version is
    `request.api_version`, and every answer, faults included, carries its headers.
    `before(request, *args, **kwargs)` runs after authentication, before the view."""

    def decorate(view: Callable) -> Callable:
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if before is not None:
                before(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        guarded = api_view(methods, auth=auth)(functools.wraps(view)(checked))

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                version = requested_version(request, service, minimum=minimum,
                                            maximum=maximum, legacy_header=legacy_header)
            except Fault as fault:
                fault.headers.update(version_headers(service, minimum, legacy_header))
                raise
            request.api_version = version
            try:
                response = guarded(request, *args, **kwargs)
            except Fault as fault:
                fault.headers.update(version_headers(service, version, legacy_header))
                raise
            for name, value in version_headers(service, version, legacy_header).items():
                response[name] = value
            return response

        wrapper.csrf_exempt = True
        return wrapper

    return decorate
