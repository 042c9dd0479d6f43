"""Compare the database with each backend's instances and repair drift.

Findings (each with a fix):
- build-finished: a BUILD server whose create job ended but whose message never came;
- stale: a server Ganeti no longer has (deleted behind our back, or the remove message lost);
- unsynced: an instance started or shut down directly in Ganeti;
- task-finished: a pending action whose job ended without a message;
- orphan: an instance with our prefix and no live server (removed only with fix_orphans);
- commissions: decided but unresolved serials, and serials Astakos holds that we never
  recorded (a crash between issue and commit), which are rejected.
A fix is applied by feeding the handler the message eventd would have sent, so the
same code path updates state and quota.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from cyclades import quotas
from cyclades.backends.ganeti import jobs
from cyclades.backends.ganeti.rapi import RapiError, client_for
from cyclades.backends.models import Backend
from cyclades.compute import commissions
from cyclades.compute.models import Commission, Server
from cyclades.updates.handlers import instance as handlers
from snf_common.ganeti_events import FINAL_STATUSES, OpStatus, event_time_now

log = logging.getLogger(__name__)

OPCODE_OF_TASK = {"CREATE": "OP_INSTANCE_CREATE", "START": "OP_INSTANCE_STARTUP",
                  "STOP": "OP_INSTANCE_SHUTDOWN", "REBOOT": "OP_INSTANCE_REBOOT",
                  "DESTROY": "OP_INSTANCE_REMOVE", "RESIZE": "OP_INSTANCE_SET_PARAMS"}
# A task recorded but never given a job id is lost after this long (crash before submit).
LOST_SUBMISSION_SECONDS = 300


@dataclass
class Finding:
    kind: str
    backend: int | None
    server: int | None
    instance: str
    detail: str
    fixed: bool = False


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        log.info("reconcile: %s server=%s instance=%s %s%s", finding.kind, finding.server,
                 finding.instance, finding.detail, " (fixed)" if finding.fixed else "")

    def rows(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.findings]


def _simulate(server: Server, instance: str, opcode: str, status: str, cluster: str,
              *, logmsg: str = "Reconciliation simulated event", job_id: int | None = None,
              nics: list[dict] | None = None) -> None:
    handlers.process_op_status(OpStatus(
        instance=instance, operation=opcode, status=status, jobId=job_id or 0,
        cluster=cluster, event_time=event_time_now(), logmsg=logmsg, instance_nics=nics))
    commissions.resolve(server.id)


def _nics_of(info: dict[str, Any]) -> list[dict[str, Any]]:
    names = info.get("nic.names") or []
    ips = info.get("nic.ips") or []
    macs = info.get("nic.macs") or []
    networks = info.get("nic.networks") or []
    return [{"name": names[i] if i < len(names) else None,
             "ip": ips[i] if i < len(ips) else None,
             "mac": macs[i] if i < len(macs) else None,
             "network": networks[i] if i < len(networks) else None}
            for i in range(len(macs) or len(names))]


def _job_status(rapi: Any, job_id: int | None) -> tuple[str, str]:
    if not job_id:
        return "", ""
    try:
        job = rapi.job(job_id)
    except RapiError as exc:
        if exc.status == 404:
            return "missing", ""
        raise
    if job.get("status") is None:
        return "missing", ""   # Ganeti answers 200 with null fields for a job it forgot
    return job["status"], str(job.get("opresult") or "")[:500]


def reconcile_backend(backend: Backend, report: Report, *, fix: bool,
                      fix_orphans: bool) -> None:
    rapi = client_for(backend)
    try:
        instances = {i["name"].split(".", 1)[0]: i for i in rapi.instances()}
    except RapiError as exc:
        report.errors.append(f"backend {backend.id}: {exc}")
        return
    cluster = backend.name
    servers = {s.id: s for s in Server.objects.filter(backend=backend, deleted=False)
               .select_related("flavor")}
    now = timezone.now()
    for server in servers.values():
        name = jobs.instance_name(server.id)
        info = instances.get(name)
        status, result = "", ""
        if server.task:
            status, result = _job_status(rapi, server.task_job_id)
        if server.task and status in FINAL_STATUSES:
            opcode = OPCODE_OF_TASK[server.task]
            finding = Finding("task-finished", backend.id, server.id, name,
                              f"{server.task.lower()} job {server.task_job_id} {status}")
            if fix:
                _simulate(server, name, opcode, status, cluster, job_id=server.task_job_id,
                          logmsg=result or None, nics=_nics_of(info) if info else None)
                finding.fixed = True
            report.add(finding)
            continue
        if server.task and status in ("queued", "waiting", "running", "canceling"):
            continue   # in flight: its message will come
        if server.task and not server.task_job_id and \
                now - server.updated < timedelta(seconds=LOST_SUBMISSION_SECONDS):
            continue   # just recorded; submission under way
        if info is None:
            if server.operstate == "ERROR" and not server.instance_created:
                continue
            kind = "build-failed" if server.operstate == "BUILD" else "stale"
            finding = Finding(kind, backend.id, server.id, name, "not in Ganeti")
            if fix:
                if server.operstate == "BUILD":
                    _simulate(server, name, "OP_INSTANCE_CREATE", "error", cluster,
                              logmsg="The instance is not in Ganeti (reconciliation).")
                else:
                    _release_lost(server, name, cluster)
                finding.fixed = True
            report.add(finding)
            continue
        if server.operstate == "ERROR" and not server.instance_created and not server.task:
            # A failed create leaves the instance behind in real Ganeti (admin down,
            # disks kept): it never became this server, so it is removed, not adopted.
            finding = Finding("failed-build-leftover", backend.id, server.id, name,
                              "instance of a failed build still in Ganeti")
            if fix:
                rapi.remove(name)
                finding.fixed = True
            report.add(finding)
            continue
        ganeti_up = info.get("admin_state") == "up" or info.get("oper_state") is True
        wanted = "STARTED" if ganeti_up else "STOPPED"
        if server.operstate == "BUILD":
            finding = Finding("build-finished", backend.id, server.id, name,
                              f"instance exists, admin state {info.get('admin_state')}")
            if fix:
                _simulate(server, name, "OP_INSTANCE_CREATE", "success", cluster,
                          nics=_nics_of(info))
                if wanted == "STOPPED":
                    _simulate(server, name, "OP_INSTANCE_SHUTDOWN", "success", cluster)
                finding.fixed = True
            report.add(finding)
        elif server.operstate in ("STARTED", "STOPPED", "ERROR") and \
                server.operstate != wanted and not server.task:
            finding = Finding("unsynced", backend.id, server.id, name,
                              f"db {server.operstate}, ganeti {wanted}")
            if fix:
                if server.operstate == "ERROR":
                    _simulate(server, name, "OP_INSTANCE_CREATE", "success", cluster,
                              nics=_nics_of(info))
                    server.refresh_from_db()
                if server.operstate != wanted:
                    opcode = "OP_INSTANCE_STARTUP" if wanted == "STARTED" \
                        else "OP_INSTANCE_SHUTDOWN"
                    _simulate(server, name, opcode, "success", cluster)
                finding.fixed = True
            report.add(finding)
    live_ids = set(Server.objects.filter(deleted=False).values_list("id", flat=True))
    for name in instances:
        server_id = jobs.server_id_of(name)
        if server_id is None or server_id in live_ids:
            continue
        finding = Finding("orphan", backend.id, server_id, name, "no live server")
        if fix_orphans:
            try:
                job = rapi.remove(name)
                finding.detail += f"; remove job {job}"
                finding.fixed = True
            except RapiError as exc:
                finding.detail += f"; remove failed: {exc}"
        report.add(finding)


def _release_lost(server: Server, instance: str, cluster: str) -> None:
    """Ganeti lost the instance: the server is gone, and so is what it held."""
    from django.db import transaction

    with transaction.atomic():
        locked = Server.objects.select_for_update(of=("self",)).get(pk=server.id)
        for pending in Commission.objects.filter(server=locked, decision="", resolved=False):
            commissions.decide(locked, pending.action, accept=True)
        locked.refresh_from_db()
        release = {k: -v for k, v in locked.quota_held.items()}
        serial = commissions.issue(locked, "DESTROY", release, force=True)
        commissions.record(serial, locked, "DESTROY", release)
        locked.task, locked.task_job_id = "DESTROY", None
        locked.save()
    _simulate(server, instance, "OP_INSTANCE_REMOVE", "success", cluster)


def reconcile_commissions(report: Report, *, fix: bool) -> None:
    decided = Commission.objects.filter(resolved=False).exclude(decision="").count()
    if decided:
        finding = Finding("commissions", None, None, "", f"{decided} decided, unresolved")
        if fix:
            finding.fixed = commissions.resolve() == decided
        report.add(finding)
    try:
        pending = set(quotas.holder().pending())
    except Exception as exc:  # Astakos unreachable: report, do not guess
        report.errors.append(f"astakos pending commissions: {exc}")
        return
    known = set(Commission.objects.filter(serial__in=pending).values_list("serial", flat=True))
    unknown = sorted(pending - known)
    if unknown:
        finding = Finding("commissions", None, None, "",
                          f"serials never recorded (crash before commit): {unknown}")
        if fix:
            quotas.holder().resolve(accept=[], reject=unknown)
            finding.fixed = True
        report.add(finding)


def reconcile(*, fix: bool = False, fix_orphans: bool = False,
              backend_id: int | None = None) -> Report:
    report = Report()
    backends = Backend.objects.filter(offline=False)
    if backend_id is not None:
        backends = backends.filter(pk=backend_id)
    for backend in backends:
        reconcile_backend(backend, report, fix=fix, fix_orphans=fix_orphans)
    reconcile_commissions(report, fix=fix)
    return report
