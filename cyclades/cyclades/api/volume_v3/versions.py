"""Version discovery and microversions of the Block Storage API (Cinder v3).

We advertise only microversion 3.0 (min 3.0, max 3.0): that is the behaviour we
implement. `OpenStack-API-Version: volume X.Y` is accepted (`latest` = 3.0) and
echoed with `Vary` on every answer; a version outside the range is 406.
Discovery answers without a token at /volume, /volume/ and /volume/v3/ (the SDK
asks /volume/v3/ first, then /volume/).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from snf_common.django import microversions
from snf_common.django.auth import api_view
from snf_common.faults import Fault, Forbidden

MIN_VERSION = (3, 0)
MAX_VERSION = (3, 0)
UPDATED = "2017-02-25T12:00:00Z"
HEADER = microversions.HEADER
SERVICE = "volume"


_text = microversions.version_text


def base_url(request: HttpRequest) -> str:
    configured = settings.CYCLADES_BASE_URL
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.get_host()}"


def requested_version(request: HttpRequest) -> tuple[int, int]:
    return microversions.requested_version(request, SERVICE, minimum=MIN_VERSION,
                                           maximum=MAX_VERSION)


def version_headers(version: tuple[int, int]) -> dict[str, str]:
    return {HEADER: f"{SERVICE} {_text(version)}", "Vary": HEADER}


def check_project(request: HttpRequest, project_id: str) -> None:
    """The project in the URL must be the token's (or the user's own base project)."""
    credentials = request.credentials
    if project_id not in (credentials.project_id, credentials.user_id):
        raise Forbidden(f"The token is not scoped to project {project_id}.")


def volume_view(methods: tuple[str, ...], *, auth: bool = True) -> Callable:
    """api_view + the project check + microversion negotiation and echo."""

    def decorate(view: Callable) -> Callable:
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if auth and "project_id" in kwargs:
                check_project(request, kwargs["project_id"])
            return view(request, *args, **kwargs)

        guarded = api_view(methods, auth=auth)(checked)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                version = requested_version(request)
            except Fault as fault:
                fault.headers.update(version_headers(MIN_VERSION))
                raise
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


def version_doc(request: HttpRequest) -> dict[str, Any]:
    base = base_url(request)
    return {"id": "v3.0", "status": "CURRENT", "version": _text(MAX_VERSION),
            "min_version": _text(MIN_VERSION), "updated": UPDATED,
            "links": [{"rel": "self", "href": f"{base}/volume/v3/"},
                      {"rel": "describedby", "type": "text/html",
                       "href": "https://docs.openstack.org/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.volume+json;version=3"}]}


@volume_view(("GET",), auth=False)
def root(request: HttpRequest) -> JsonResponse:
    # 300 Multiple Choices, as Cinder answers its unversioned root.
    return JsonResponse({"versions": [version_doc(request)]}, status=300)


@volume_view(("GET",), auth=False)
def v3(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"versions": [version_doc(request)]})
