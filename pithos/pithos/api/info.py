"""GET /object-store/info (and /info): the cluster's capabilities, as Swift clients ask
for them (no token).

python-swiftclient (`swift capabilities`, and `swift upload --segment-size`, which
makes static large objects when "slo" is listed) asks for `info` beside the `/v1`
of the storage URL, older clients at the root of the host. Only what Pithos really
does is listed (no "bulk_delete" or "tempurl"); its own features sit under "pithos".
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pithos.objects import paths, slo
from snf_common import hashing
from snf_common.django.auth import api_view


def capabilities() -> dict:
    return {
        "swift": {
            "version": "pithos",
            "account_listing_limit": settings.PITHOS_LIST_LIMIT,
            "container_listing_limit": settings.PITHOS_LIST_LIMIT,
            "max_account_name_length": paths.MAX_CONTAINER_NAME_BYTES,
            "max_container_name_length": paths.MAX_CONTAINER_NAME_BYTES,
            "max_object_name_length": paths.MAX_OBJECT_NAME_BYTES,
            "max_meta_count": settings.PITHOS_MAX_METADATA,
            "max_meta_name_length": paths.MAX_META_KEY_BYTES,
            "max_meta_value_length": paths.MAX_META_VALUE_BYTES,
            "extra_header_count": 0,
            "policies": [{"name": "default", "default": True}],
        },
        "slo": {
            "max_manifest_segments": slo.MAX_SEGMENTS,
            "max_manifest_size": slo.MAX_MANIFEST_BYTES,
            "min_segment_size": slo.MIN_SEGMENT_BYTES,
        },
        "pithos": {
            "block_size": settings.PITHOS_BLOCK_SIZE,
            "block_hash": hashing.HASH_ALGORITHM,
            "hashmaps": True,
            "versioning": ["auto", "none"],
            "sharing": True,
            "public_urls": True,
            "dynamic_large_objects": True,
        },
    }


@api_view(("GET", "HEAD"), auth=False)
def info(request: HttpRequest) -> HttpResponse:
    body = json.dumps(capabilities()).encode()
    response = HttpResponse(b"" if request.method == "HEAD" else body,
                            content_type="application/json; charset=utf-8")
    response["Content-Length"] = str(len(body))
    return response
