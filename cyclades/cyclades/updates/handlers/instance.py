"""Apply `ganeti-op-status` and build-progress messages to servers.

Each message is applied in one transaction with the server row locked. A message
older than (or as old as) the last one applied is ignored, which makes a
redelivered message change nothing. The commission the job decides is marked
accept/reject in the same transaction; the caller sends it to Astakos after the
commit (commissions.resolve).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from cyclades import quotas
from cyclades.backends.ganeti import jobs
from cyclades.compute import commissions, statements, states
from cyclades.compute.models import Server, ServerAction, ServerNic
from cyclades.network import ports as network_updates
from cyclades.updates.handlers import volume as volume_updates
from snf_common.ganeti_events import FINAL_STATUSES, BuildProgress, OpStatus

log = logging.getLogger(__name__)


def event_datetime(event_time: list[int]) -> datetime:
    seconds, micros = event_time
    return datetime.fromtimestamp(int(seconds), tz=UTC).replace(microsecond=int(micros))


def _locked_server(instance: str) -> Server | None:
    server_id = jobs.server_id_of(instance)
    if server_id is None:
        log.info("ignoring event of instance %s: not one of ours", instance)
        return None
    # No join: the flavor is needed only for a start/stop done outside Cyclades.
    server = statements.lock_server(server_id)
    if server is None:
        log.warning("event for instance %s: no server %s", instance, server_id)
    return server


BACKEND_STATE_FIELDS = ("backend_time", "backend_job_id", "backend_opcode",
                        "backend_job_status")


def already_applied(message: OpStatus, state: tuple) -> bool:
    """Would `message` change nothing for a server whose BACKEND_STATE_FIELDS are `state`?

    True for an event not newer than the last one applied (a redelivery, or one
    overtaken), and for a repeat of the final status already applied for the same
    job (the post hook and eventd both report a success). A message that lists NICs
    or disks is never judged here: it may teach names and uuids even when old.
    """
    if message.instance_nics is not None or message.instance_disks is not None:
        return False
    backend_time, job_id, opcode, job_status = state
    if backend_time is None:
        return False
    if event_datetime(message.event_time) <= backend_time:
        return True
    return (message.status in FINAL_STATUSES and bool(message.jobId)
            and (job_id, opcode, job_status) == (message.jobId, message.operation,
                                                 message.status))


def _record_transition(server_id: int, message: OpStatus) -> bool:
    """A queued/waiting/running status only moves the backend_* fields: one conditional
    UPDATE (atomic on its own) instead of a locked read-modify-write. False when the
    server needs the full path (unknown, deleted, or the event is not newer)."""
    return statements.record_transition(
        server_id, event_at=event_datetime(message.event_time), job_id=message.jobId,
        opcode=message.operation, status=message.status,
        log_msg=(message.logmsg or "")[:4000], now=timezone.now())


def process_op_status(message: OpStatus, states: dict[int, tuple] | None = None) -> int | None:
    """Apply one op-status message; returns the id of the server it concerned, if any.

    `states`, when given, receives the server's BACKEND_STATE_FIELDS as committed (the
    dispatcher judges later messages of its batch on them, see already_applied)."""
    if message.status not in FINAL_STATUSES and message.instance_nics is None \
            and message.instance_disks is None:
        server_id = jobs.server_id_of(message.instance)
        if server_id is not None and _record_transition(server_id, message):
            if states is not None:
                states.pop(server_id, None)
            return server_id
    server_id, state = _apply_op_status(message)
    if states is not None and server_id is not None:
        states[server_id] = state
    return server_id


def _backend_state(server: Server) -> tuple:
    return tuple(getattr(server, f) for f in BACKEND_STATE_FIELDS)


def _apply_op_status(message: OpStatus) -> tuple[int | None, tuple | None]:
    """The locked read-modify-write; returns the server id and its committed backend state."""
    with transaction.atomic():
        server = _locked_server(message.instance)
        if server is None:
            return None, None
        event_at = event_datetime(message.event_time)
        if message.instance_disks:   # an empty list (a diskless instance) teaches nothing
            volume_updates.record_disks(server, message)   # names -> uuids: safe even when old
        if already_applied(message, _backend_state(server)) \
                or (server.backend_time is not None and event_at <= server.backend_time):
            log.info("server %s: ignoring old or repeated event job %s %s %s", server.id,
                     message.jobId, message.operation, message.status)
            return server.id, _backend_state(server)
        server.backend_time = event_at
        server.backend_job_id = message.jobId
        server.backend_opcode = message.operation
        server.backend_job_status = message.status
        server.backend_log_msg = (message.logmsg or "")[:4000]
        if message.instance_nics is not None:
            _sync_nics(server, message.instance_nics)
        if message.instance_disks is not None:
            server.disks = [{k: d.get(k) for k in ("name", "size", "uuid")}
                            for d in message.instance_disks]
        if message.status in FINAL_STATUSES:
            _apply_final(server, message)
            volume_updates.apply_final(server, message)
        statements.save_server(server)
        network_updates.apply_server_update(server, message)   # ports follow the NICs
    return server.id, _backend_state(server)


def _apply_final(server: Server, message: OpStatus) -> None:
    opcode = message.operation
    task = states.TASK_OF_OPCODE.get(opcode)
    success = message.status == "success"
    before = server.operstate
    if success:
        if opcode == "OP_INSTANCE_CREATE":
            server.instance_created = True
            server.build_progress = 100
        if opcode == "OP_INSTANCE_REMOVE":
            _destroyed(server)
        elif opcode in states.OPERSTATE_AFTER and not server.deleted:
            server.operstate = states.OPERSTATE_AFTER[opcode]
        if opcode == "OP_INSTANCE_SET_PARAMS" and server.resize_flavor_id:
            server.flavor_id = server.resize_flavor_id
    else:
        reason = message.logmsg or _result_text(message.result) or message.status
        if opcode == "OP_INSTANCE_CREATE" and not server.deleted:
            server.operstate = "ERROR"
            server.fault = f"Build failed: {reason}"[:2000]
        elif opcode == "OP_INSTANCE_REMOVE" and not server.instance_created:
            # The instance never existed in Ganeti: nothing is left to remove.
            _destroyed(server)
            success = True
    if task and server.task == task:
        server.task, server.task_job_id = "", None
        server.resize_flavor_id, server.reboot_type = None, ""
    _log_action(server, message, task, success)
    # The caller saves the whole server right after.
    decided = commissions.decide(server, task, accept=success, save_server=False) \
        if task else None
    if decided is None and success and before != server.operstate:
        _charge_unrequested(server, before)
    log.info("server %s: job %s %s %s -> operstate %s", server.id, message.jobId, opcode,
             message.status, server.operstate)


def _destroyed(server: Server) -> None:
    server.operstate, server.deleted = "DESTROYED", True
    ServerNic.objects.filter(server=server).update(state="DOWN")


def _charge_unrequested(server: Server, before: str) -> None:
    """A start or stop done outside Cyclades (e.g. gnt-instance): keep quota in step."""
    if {before, server.operstate} != {"STARTED", "STOPPED"}:
        return
    sign = 1 if server.operstate == "STARTED" else -1
    action = "START" if sign > 0 else "STOP"
    provisions = quotas.running_provisions(server.flavor, sign=sign)
    serial = commissions.issue(server, action, provisions, force=True)
    commissions.record(serial, server, action, provisions)
    commissions.decide(server, action, accept=True)


def _log_action(server: Server, message: OpStatus, task: str | None, success: bool) -> None:
    outcome = {"status": "success" if success else "error",
               "message": (message.logmsg or _result_text(message.result) or "")[:2000],
               "finished": timezone.now()}
    # Usually the entry of this job exists (it got the job id at submission), or, when the
    # job ended before the submission recorded its id, the task's entry: one UPDATE.
    if message.jobId is not None:
        if not statements.finish_action(server.id, message.jobId, task, **outcome):
            ServerAction.objects.create(server=server, action=task or message.operation,
                                        job_id=message.jobId, **outcome)
        return
    first_of_job = ServerAction.objects.filter(server=server, job_id=message.jobId) \
        .order_by("id").values("id")[:1]
    if ServerAction.objects.filter(pk__in=Subquery(first_of_job)).update(**outcome):
        return
    entry = None
    if task:
        entry = (ServerAction.objects.filter(server=server, action=task,
                                             status__in=("pending", "submitted"))
                 .order_by("id").first())
    if entry is None:
        entry = ServerAction(server=server, action=task or message.operation)
    entry.job_id = message.jobId
    entry.status, entry.message, entry.finished = \
        outcome["status"], outcome["message"], outcome["finished"]
    entry.save()


def _result_text(result: object) -> str:
    if not result:
        return ""
    return str(result)[:2000]


def _sync_nics(server: Server, nics: list[dict]) -> None:
    """Make ServerNic rows match Ganeti's list (matched by NIC name).

    Rows that already match are not written; usually (a create's hook) that leaves one
    read and one write per NIC."""
    from django.conf import settings

    existing = {n.name: n for n in statements.server_nics(server)}
    seen = set()
    for index, nic in enumerate(nics):
        name = nic.get("name") or jobs.nic_name(server.id, index)
        seen.add(name)
        row = existing.get(name)
        if row is None:
            row = ServerNic(server=server, name=name,
                            network_id=nic.get("network") or settings.CYCLADES_DEFAULT_NETWORK)
        before = (row.pk, row.index, row.mac, row.ipv4, row.ipv6, row.state)
        row.index = index
        row.mac = nic.get("mac") or ""
        ip = nic.get("ip") or ""
        row.ipv4 = ip if ":" not in ip else ""
        row.ipv6 = ip if ":" in ip else row.ipv6
        row.state = "ACTIVE"
        # Indexes may shift; clear clashes first so the unique (server, index) holds.
        clashing = [n for n in existing.values() if n.index == index and n.name != name]
        if clashing:
            ServerNic.objects.filter(pk__in=[n.pk for n in clashing]) \
                .update(index=10_000 + index)
            for other in clashing:
                other.index = 10_000 + index
        if (row.pk, row.index, row.mac, row.ipv4, row.ipv6, row.state) != before:
            row.save()
    gone = [n.pk for n in existing.values() if n.name not in seen]
    if gone:
        ServerNic.objects.filter(pk__in=gone).delete()


def process_build_progress(message: BuildProgress) -> int | None:
    with transaction.atomic():
        server = _locked_server(message.instance)
        if server is None:
            return None
        if server.operstate != "BUILD":
            return server.id
        if message.subtype == "image-copy-progress" and message.progress is not None:
            progress = max(0, min(99, int(message.progress)))
            if progress > server.build_progress:
                server.build_progress = progress
                server.save(update_fields=["build_progress", "updated"])
        elif message.subtype in ("image-error",) and message.messages:
            server.fault = "; ".join(message.messages)[:2000]
            server.save(update_fields=["fault", "updated"])
    return server.id

