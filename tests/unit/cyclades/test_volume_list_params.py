"""Volume listings refuse a malformed limit (400) instead of ignoring it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cyclades.volume.models import VolumeType

pytestmark = pytest.mark.django_db(transaction=True)


def get(path: str):
    response = Client(raise_request_exception=False).get(
        f"/volume/v3/alice-uuid/{path}", HTTP_X_AUTH_TOKEN="tok-alice")
    return response.status_code, json.loads(response.content)


def test_bad_limits_are_bad_requests(quota):
    VolumeType.objects.create(name="file", disk_template="file")
    for _ in range(3):
        made = Client().post("/volume/v3/alice-uuid/volumes",
                             data=json.dumps({"volume": {"size": 1, "volume_type": "file"}}),
                             content_type="application/json", HTTP_X_AUTH_TOKEN="tok-alice")
        assert made.status_code == 202, made.content
    for path in ("volumes?limit=-1", "volumes/detail?limit=abc", "volumes?limit=1.5",
                 "volumes/detail?limit="):
        status, body = get(path)
        assert status == 400 and body["badRequest"]["message"], (path, status, body)
    status, body = get("volumes/detail?limit=2")
    assert status == 200 and len(body["volumes"]) == 2
    status, body = get("volumes?limit=0")
    assert status == 200 and body["volumes"] == []
