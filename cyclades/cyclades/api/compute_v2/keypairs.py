"""/compute/v2.1/os-keypairs[/{name}]."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.compute_v2 import formats
from cyclades.api.compute_v2.versions import compute_view
from cyclades.compute import access, keypairs
from cyclades.compute.models import KeyPair
from snf_common.django.auth import json_body
from snf_common.faults import BadRequest


@compute_view(("GET", "POST"))
def collection(request: HttpRequest) -> JsonResponse:
    if request.method == "GET":
        items = KeyPair.objects.filter(owner=request.credentials.user_id).order_by("name")
        return JsonResponse({"keypairs": [{"keypair": formats.keypair_dict(k)} for k in items]})
    body = json_body(request)
    data = body.get("keypair") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise BadRequest("Request body must be {\"keypair\": {...}}.")
    keypair, private = keypairs.create_keypair(
        request.credentials, name=data.get("name"), public_key=data.get("public_key"),
        key_type=data.get("type", "ssh"))
    reply = formats.keypair_dict(keypair)
    reply["user_id"] = keypair.owner
    if private is not None:
        reply["private_key"] = private
    return JsonResponse({"keypair": reply})


@compute_view(("GET", "DELETE"))
def item(request: HttpRequest, name: str) -> HttpResponse:
    keypair = access.keypair_for(request.credentials, name)
    if request.method == "DELETE":
        keypairs.delete_keypair(keypair)
        return HttpResponse(status=202)
    return JsonResponse({"keypair": formats.keypair_dict(keypair, detail=True)})
