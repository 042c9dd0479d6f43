"""cyclades-manage service-definition: the JSON `astakos-manage service-import` reads."""

import json

from django.conf import settings

from cyclades.quotas import RESOURCES
from snf_common.django.commands import SnfCommand


def definition() -> dict:
    base = (settings.CYCLADES_BASE_URL or "http://127.0.0.1:8702").rstrip("/")
    endpoints = [
        {"name": "nova", "type": "compute", "version": "v2.1",
         "url": f"{base}/compute/v2.1"},
        # Network (Neutron v2.0): the SDK appends v2.0 and skips discovery.
        {"name": "neutron", "type": "network", "version": "v2.0", "url": f"{base}/network"},
        # Image (Glance v2 + Plankton v1.0): the unversioned root, clients discover.
        {"name": "glance", "type": "image", "version": "v2", "url": f"{base}/image"},
        # Block storage (Cinder v3): clients look up either type; {project_id} is
        # filled in per token by Astakos.
        {"name": "cinderv3", "type": "volumev3", "version": "v3",
         "url": f"{base}/volume/v3/{{project_id}}"},
        {"name": "cinder", "type": "block-storage", "version": "v3",
         "url": f"{base}/volume/v3/{{project_id}}"},
        # Synnefo's volume API as kamaki 0.16 finds it (type volume, no project in
        # the path); the SDK prefers block-storage when both are listed.
        {"name": "cyclades_volume", "type": "volume", "version": "v2.0",
         "url": f"{base}/volume/v2.0"},
    ]
    for endpoint in endpoints:
        # The dashboard: SNF:uiURL in the catalog, and the one page of this origin
        # that Astakos' login hands a token to.
        endpoint["ui_url"] = f"{base}/ui/"
    return {
        "component": "cyclades",
        "base_url": base,
        "endpoints": endpoints,
        "resources": [
            {"name": name, "unit": unit, "description": description,
             "default_limit": limit, "service_type": "compute",
             "ui_visible": True, "api_visible": True}
            for name, unit, description, limit in RESOURCES
        ],
    }


class Command(SnfCommand):
    help = "Print this service's endpoints and quota resources for Astakos."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(definition(), indent=2))
