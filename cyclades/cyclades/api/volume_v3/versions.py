"""Version discovery and microversions of the Block Storage API (Cinder v3).

We advertise only microversion 3.0 (min 3.0, max 3.0): that is the behaviour we
implement. `OpenStack-API-Version: volume X.Y` is accepted (`latest` = 3.0) and
echoed with `Vary` on every answer; a version outside the range is 406.
Discovery answers without a token at /volume, /volume/ and /volume/v3/ (the SDK
asks /volume/v3/ first, then /volume/).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from cyclades.api.public_url import base_url
from snf_common.django import microversions
from snf_common.faults import Forbidden

MIN_VERSION = (3, 0)
MAX_VERSION = (3, 0)
UPDATED = "2017-02-25T12:00:00Z"
HEADER = microversions.HEADER
SERVICE = "volume"

_text = microversions.version_text


def check_project(request: HttpRequest, project_id: str) -> None:
    """The project in the URL must be the token's (or the user's own base project)."""
    credentials = request.credentials
    if project_id not in (credentials.project_id, credentials.user_id):
        raise Forbidden(f"The token is not scoped to project {project_id}.")


def _project_of_url(request: HttpRequest, *args: Any, **kwargs: Any) -> None:
    if "project_id" in kwargs:
        check_project(request, kwargs["project_id"])


def volume_view(methods: tuple[str, ...], *, auth: bool = True):
    """api_view + the project check + microversion negotiation and echo."""
    return microversions.negotiated_view(methods, service=SERVICE, minimum=MIN_VERSION,
                                         maximum=MAX_VERSION, auth=auth,
                                         before=_project_of_url if auth else None)


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
