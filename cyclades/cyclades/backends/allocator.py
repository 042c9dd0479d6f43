"""Choose the Ganeti backend of a new server.

Candidates are the backends that are online, not drained and offer the flavor's
disk template. Of those, the ones with room (free memory and disk, at most 3:1
cpu overcommit assuming 4 vCPUs per server) are preferred; the lowest load score
wins. The chosen row's stats are lowered at once so that concurrent creates
spread out before the next refresh. The scoring class is a setting
(CYCLADES_ALLOCATOR) so operators can plug in their own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from cyclades.backends.models import Backend
from cyclades.backends.status import refresh_quietly

log = logging.getLogger(__name__)

VCPUS_PER_SERVER_ESTIMATE = 4
MAX_CPU_OVERCOMMIT = 3


def ganeti_template(disk_template: str) -> str:
    """Flavor templates name an ExtStorage provider after '_' (ext_archipelago -> ext)."""
    return disk_template.split("_", 1)[0]


class LoadAllocator:
    """The filter-and-score allocator of the original Synnefo."""

    def fits(self, backend: Backend, flavor) -> bool:
        cpu_ok = backend.ctotal > 0 and \
            (backend.pinst_cnt + 1) * VCPUS_PER_SERVER_ESTIMATE / backend.ctotal \
            < MAX_CPU_OVERCOMMIT
        return backend.dfree > flavor.disk * 1024 and backend.mfree > flavor.ram and cpu_ok

    def score(self, backend: Backend) -> float:
        mem_ratio = 1 - backend.mfree / backend.mtotal if backend.mtotal else 1.0
        disk_ratio = 1 - backend.dfree / backend.dtotal if backend.dtotal else 1.0
        cpu_ratio = ((backend.pinst_cnt + 1) * VCPUS_PER_SERVER_ESTIMATE
                     / (backend.ctotal * MAX_CPU_OVERCOMMIT)) if backend.ctotal else 1.0
        return 0.5 * cpu_ratio + 0.5 * (mem_ratio + disk_ratio)

    def choose(self, backends: Sequence[Backend], flavor) -> Backend | None:
        if not backends:
            return None
        roomy = [b for b in backends if self.fits(b, flavor)]
        if not roomy:
            # Stats may be stale or the cluster overcommitted on purpose: let Ganeti decide.
            log.info("no backend has room for flavor %s; scoring all", flavor.public_id)
            roomy = list(backends)
        return min(roomy, key=lambda b: (self.score(b), b.id))


def candidates(flavor, *, for_update: bool = False) -> list[Backend]:
    query = Backend.objects.filter(offline=False, drained=False).order_by("id")
    if for_update:
        query = query.select_for_update()
    template = ganeti_template(flavor.disk_template)
    return [b for b in query if template in (b.disk_templates or [])]


def refresh_stale(flavor) -> None:
    """Refresh old stats before locking (RAPI calls stay out of the transaction)."""
    horizon = timezone.now() - timedelta(seconds=settings.CYCLADES_BACKEND_REFRESH_SECONDS)
    for backend in candidates(flavor):
        if backend.updated is None or backend.updated < horizon:
            refresh_quietly(backend)


def allocate(flavor) -> Backend | None:
    """Lock the candidates (in pk order), choose one, book the server on it. In a transaction."""
    backends = candidates(flavor, for_update=True)
    chosen = import_string(settings.CYCLADES_ALLOCATOR)().choose(backends, flavor)
    if chosen is None:
        return None
    chosen.mfree = max(0, chosen.mfree - flavor.ram)
    chosen.dfree = max(0, chosen.dfree - flavor.disk * 1024)
    chosen.pinst_cnt += 1
    chosen.save(update_fields=["mfree", "dfree", "pinst_cnt"])
    return chosen
