"""Version discovery: GET /identity (300, every version) and GET /identity/v3 or /v2.0."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from astakos.api.requests import request_base
from astakos.tokens.catalog import base_url
from snf_common.django.auth import api_view

VERSIONS = {
    "v3": {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
           "media": "application/vnd.openstack.identity-v3+json"},
    "v2.0": {"id": "v2.0", "status": "deprecated", "updated": "2016-08-04T00:00:00Z",
             "media": "application/vnd.openstack.identity-v2.0+json"},
}


def version_doc(request: HttpRequest, name: str) -> dict:
    info = VERSIONS[name]
    return {"id": info["id"], "status": info["status"], "updated": info["updated"],
            "links": [{"rel": "self",
                       "href": f"{base_url(request_base(request))}/identity/{name}/"}],
            "media-types": [{"base": "application/json", "type": info["media"]}]}


@api_view(("GET", "HEAD"), auth=False)
def all_versions(request: HttpRequest) -> JsonResponse:
    values = [version_doc(request, name) for name in VERSIONS]
    return JsonResponse({"versions": {"values": values}}, status=300)


@api_view(("GET", "HEAD"), auth=False)
def v3_version(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": version_doc(request, "v3")})


@api_view(("GET", "HEAD"), auth=False)
def v2_version(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": version_doc(request, "v2.0")})
