"""Version discovery and microversion negotiation of the Compute API.

We advertise only what we implement: microversion 2.1 (min 2.1, max 2.1). A
request may name a version with `OpenStack-API-Version: compute X.Y` or the
legacy `X-OpenStack-Nova-API-Version: X.Y`; both are echoed with `Vary`, and a
version outside the range is 406.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from cyclades.api.public_url import base_url
from snf_common.django import microversions
from snf_common.django.auth import api_view

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 1)
UPDATED = "2013-07-23T11:33:21Z"
HEADER = microversions.HEADER
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"

_text = microversions.version_text


def compute_view(methods: tuple[str, ...], *, auth: bool = True):
    """api_view plus microversion negotiation; every answer carries the version headers."""
    return microversions.negotiated_view(methods, service="compute", minimum=MIN_VERSION,
                                         maximum=MAX_VERSION, legacy_header=LEGACY_HEADER,
                                         auth=auth)


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
