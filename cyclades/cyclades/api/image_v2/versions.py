"""Version discovery of the Image API: GET /image (300, as Glance answers at its root)
and /image/versions (200) list v2.5 CURRENT down to v2.0, and Plankton's v1.0.

v2.5 is the last minor version whose features we all implement (images, JSON patch,
members, tags, upload/download); the import and stores APIs of later ones are absent.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from cyclades.api.public_url import base_url
from snf_common.django.auth import api_view

CURRENT = "v2.5"
SUPPORTED = ("v2.4", "v2.3", "v2.2", "v2.1", "v2.0")


def versions_doc(request: HttpRequest) -> dict:
    base = base_url(request)
    v2 = [{"id": CURRENT, "status": "CURRENT"}] + \
        [{"id": v, "status": "SUPPORTED"} for v in SUPPORTED]
    for entry in v2:
        entry["links"] = [{"rel": "self", "href": f"{base}/image/v2/"}]
    v1 = {"id": "v1.0", "status": "SUPPORTED",
          "links": [{"rel": "self", "href": f"{base}/image/v1.0/"}]}
    return {"versions": [*v2, v1]}


@api_view(("GET",), auth=False)
def root(request: HttpRequest) -> JsonResponse:
    return JsonResponse(versions_doc(request), status=300)


@api_view(("GET",), auth=False)
def versions(request: HttpRequest) -> JsonResponse:
    return JsonResponse(versions_doc(request))
