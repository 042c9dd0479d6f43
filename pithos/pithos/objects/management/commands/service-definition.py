"""pithos-manage service-definition: the JSON astakos-manage service-import registers."""

from __future__ import annotations

import json

from django.conf import settings

from snf_common.django.commands import SnfCommand

DISKSPACE_DEFAULT_BYTES = 50 * 1024 ** 3


def definition() -> dict:
    base = (settings.PITHOS_BASE_URL or "http://127.0.0.1:8701").rstrip("/")
    return {
        "component": "pithos",
        "endpoints": [
            {"name": "swift", "type": "object-store", "version": "v1",
             "url": f"{base}/object-store/v1/{{user_id}}"},
            # kamaki looks up this name and appends the account itself
            {"name": "pithos_object-store", "type": "object-store", "version": "v1",
             "url": f"{base}/object-store/v1"},
        ],
        "resources": [
            {"name": "pithos.diskspace", "unit": "bytes",
             "description": "Storage space of files and their versions in Pithos",
             "default_limit": DISKSPACE_DEFAULT_BYTES, "service_type": "object-store",
             "ui_visible": True, "api_visible": True},
        ],
    }


class Command(SnfCommand):
    help = "Print this service's endpoints and resources as JSON (for service-import)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(json.dumps(definition(), indent=2))
