"""GET /vmapi/v1.0/server-params/<uuid>: snf-image's config_url document, served once."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from cyclades.vmapi import params
from snf_common.django.auth import api_view
from snf_common.faults import ItemNotFound


@api_view(("GET",), auth=False)
def server_params(request: HttpRequest, key: str) -> HttpResponse:
    document = params.take(key)
    if document is None:
        raise ItemNotFound("No such deployment parameters (already fetched or expired).")
    response = HttpResponse(json.dumps(document), content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response
