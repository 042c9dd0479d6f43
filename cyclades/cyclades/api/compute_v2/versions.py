"""Version discovery and microversion negotiation of the Compute API.

We advertise only what we implement: microversion 2.1 (min 2.1, max 2.1). A
request may name a version with `OpenStack-API-Version: compute X.Y` or the
legacy `X-OpenStack-Nova-API-Version: X.Y`; both are echoed with `Vary`, and a
version outside the range is 406.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from snf_common.django import microversions
from snf_common.django.auth import api_view
from snf_common.faults import Fault

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 1)
UPDATED = "2013-07-23T11:33:21Z"
HEADER = microversions.HEADER
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"


_text = microversions.version_text


def base_url(request: HttpRequest) -> str:
    cached = getattr(request, "_cyclades_base_url", None)
    if cached is None:
        configured = settings.CYCLADES_BASE_URL
        cached = configured.rstrip("/") if configured else \
            f"{request.scheme}://{request.get_host()}"
        request._cyclades_base_url = cached
    return cached


def requested_version(request: HttpRequest) -> tuple[int, int]:
    return microversions.requested_version(request, "compute", minimum=MIN_VERSION,
                                           maximum=MAX_VERSION, legacy_header=LEGACY_HEADER)


def version_headers(version: tuple[int, int]) -> dict[str, str]:
    return {HEADER: f"compute {_text(version)}", LEGACY_HEADER: _text(version),
            "Vary": f"{HEADER}, {LEGACY_HEADER}"}


def compute_view(methods: tuple[str, ...], *, auth: bool = True) -> Callable:
    """api_view plus microversion negotiation; every answer carries the version headers."""

    def decorate(view: Callable) -> Callable:
        guarded = api_view(methods, auth=auth)(view)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                version = requested_version(request)
            except Fault as fault:
                fault.headers.update(version_headers(MIN_VERSION))
                raise
            request.compute_version = version
            try:
                response = guarded(request, *args, **kwargs)
            except Fault as fault:
                fault.headers.update(version_headers(version))
                raise
            for name, value in version_headers(version).items():
                response[name] = value
            return response

        wrapper.csrf_exempt = True
        return wrapper

    return decorate


def _version_doc(request: HttpRequest, version_id: str) -> dict[str, Any]:
    base = base_url(request)
    if version_id == "v2.0":
        return {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
                "updated": "2011-01-21T11:33:21Z",
                "links": [{"rel": "self", "href": f"{base}/compute/v2/"}]}
    return {"id": "v2.1", "status": "CURRENT", "version": _text(MAX_VERSION),
            "min_version": _text(MIN_VERSION), "updated": UPDATED,
            "links": [{"rel": "self", "href": f"{base}/compute/v2.1/"},
                      {"rel": "describedby", "type": "text/html",
                       "href": "https://docs.openstack.org/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.compute+json;version=2.1"}]}


@api_view(("GET",), auth=False)
def root(request: HttpRequest) -> JsonResponse:
    versions = [_version_doc(request, "v2.1")]
    # v2.0 is listed as Nova lists it; we serve only v2.1, so its link is informative.
    v20 = _version_doc(request, "v2.0")
    return JsonResponse({"versions": [v20, *versions]})


@compute_view(("GET",), auth=False)
def v21(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": _version_doc(request, "v2.1")})
