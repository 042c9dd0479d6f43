"""Compare BackendNetwork rows with each backend's Ganeti networks and repair drift.

Findings: `missing` (the database says the network is on the backend, Ganeti has
no such network: the row goes, and the next server that needs it recreates it),
`unsynced` (pending in the database, connected in Ganeti: marked ACTIVE),
`orphan` (a Ganeti network named with our prefix that no live network row owns
there; removed with fix_orphans when no instance uses it), `unused` (on the
backend with no live port there: removed with fix).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from cyclades.backends.ganeti.rapi import RapiError, client_for
from cyclades.backends.models import Backend
from cyclades.network.backend import (
    ganeti_name,
    in_use_on,
    network_id_of,
    refresh_status,
    release_unused,
)
from cyclades.network.models import BackendNetwork

log = logging.getLogger(__name__)


@dataclass
class Finding:
    kind: str
    backend: int
    network: str
    detail: str = ""
    fixed: bool = False


def reconcile(*, fix: bool = False, fix_orphans: bool = False,
              backend_id: int | None = None) -> list[dict[str, Any]]:
    backends = Backend.objects.filter(offline=False)
    if backend_id is not None:
        backends = backends.filter(pk=backend_id)
    findings: list[Finding] = []
    for backend in backends:
        rapi = client_for(backend)
        try:
            ganeti = {n["name"]: n for n in rapi.networks()}
        except RapiError as exc:
            findings.append(Finding("unreachable", backend.id, "", str(exc)))
            continue
        rows = {ganeti_name(r.network_id): r for r in
                BackendNetwork.objects.filter(backend=backend).select_related("network")}
        for name, row in rows.items():
            net = ganeti.get(name)
            if net is None:
                if row.operstate in ("ACTIVE", "DELETING"):
                    finding = Finding("missing", backend.id, name, row.operstate)
                    if fix:
                        network = row.network
                        row.delete()
                        refresh_status(network)
                        finding.fixed = True
                    findings.append(finding)
                continue
            if row.operstate == "PENDING" and net.get("group_list"):
                finding = Finding("unsynced", backend.id, name, "connected in Ganeti")
                if fix:
                    row.operstate = "ACTIVE"
                    row.save(update_fields=["operstate", "updated"])
                    refresh_status(row.network)
                    finding.fixed = True
                findings.append(finding)
            elif row.operstate == "ACTIVE" and not in_use_on(row.network_id, backend.id) \
                    and not net.get("inst_list"):
                finding = Finding("unused", backend.id, name, "no port uses it")
                if fix:
                    finding.fixed = bool(release_unused(row.network_id, [backend.id]))
                findings.append(finding)
        for name, net in ganeti.items():
            if network_id_of(name) is None or name in rows:
                continue
            finding = Finding("orphan", backend.id, name,
                              f"instances: {', '.join(net.get('inst_list') or []) or 'none'}")
            if fix_orphans and not net.get("inst_list"):
                try:
                    for group in net.get("group_list") or []:
                        rapi.disconnect_network(name, group=group[0] if isinstance(
                            group, (list, tuple)) else None)
                    rapi.delete_network(name)
                    finding.fixed = True
                except RapiError as exc:
                    finding.detail += f"; removal failed: {exc}"
            findings.append(finding)
    for finding in findings:
        log.info("reconcile-networks: %s", finding)
    return [asdict(f) for f in findings]
