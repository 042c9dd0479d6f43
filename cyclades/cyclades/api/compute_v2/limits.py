"""/compute/v2.1/limits: absolute limits from the user's Astakos quotas."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from cyclades import quotas
from cyclades.api.compute_v2.versions import compute_view
from cyclades.compute.models import KeyPair

log = logging.getLogger(__name__)


@compute_view(("GET",))
def limits(request: HttpRequest) -> JsonResponse:
    credentials = request.credentials
    project = request.GET.get("tenant_id") or credentials.project_id or credentials.user_id
    try:
        usage = quotas.holder().usage(owner=credentials.user_id, project=project)
    except Exception as exc:  # Astakos unreachable: report unknown limits, not an error
        log.warning("limits of %s: quotas unavailable: %s", credentials.user_id, exc)
        usage = {}

    def limit(resource: str, unit: int = 1) -> int:
        entry = usage.get(resource)
        return entry["limit"] // unit if entry else -1

    def used(resource: str, unit: int = 1) -> int:
        entry = usage.get(resource)
        return entry["usage"] // unit if entry else 0

    absolute = {
        "maxTotalInstances": limit("cyclades.vm"),
        "totalInstancesUsed": used("cyclades.vm"),
        "maxTotalCores": limit("cyclades.total_cpu"),
        "totalCoresUsed": used("cyclades.total_cpu"),
        "maxTotalRAMSize": limit("cyclades.total_ram", quotas.MIB),
        "totalRAMUsed": used("cyclades.total_ram", quotas.MIB),
        "maxTotalFloatingIps": limit("cyclades.floating_ip"),
        "totalFloatingIpsUsed": used("cyclades.floating_ip"),
        "maxTotalKeypairs": settings.CYCLADES_MAX_KEYPAIRS,
        "totalKeyPairsUsed": KeyPair.objects.filter(owner=credentials.user_id).count(),
        "maxServerMeta": settings.CYCLADES_MAX_METADATA_ITEMS,
        "maxImageMeta": 128,
        "maxPersonality": settings.CYCLADES_MAX_PERSONALITY,
        "maxPersonalitySize": settings.CYCLADES_MAX_PERSONALITY_BYTES,
        "maxSecurityGroups": -1, "totalSecurityGroupsUsed": 0,
        "maxSecurityGroupRules": -1,
        "maxServerGroups": 0, "totalServerGroupsUsed": 0, "maxServerGroupMembers": 0,
    }
    return JsonResponse({"limits": {"rate": [], "absolute": absolute}})
