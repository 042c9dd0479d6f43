"""Server lifecycle on the effect path: check, commission, record intent, submit to Ganeti.

Every action runs the same steps: lock the server row, check the state table,
issue the quota commission (Astakos refuses over-quota atomically), record the
task and an action-log row, and only after the commit submit the RAPI job. A
submission failure clears the task, rejects the commission, and (for a create)
leaves the server in ERROR. The dispatcher applies the job's outcome later.
"""

from __future__ import annotations

import base64
import logging
import secrets
import string
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from cyclades import quotas
from cyclades.backends import allocator
from cyclades.backends.ganeti import jobs
from cyclades.backends.ganeti.rapi import client_for
from cyclades.compute import commissions, statements, states
from cyclades.compute.models import (
    Commission,
    Flavor,
    KeyPair,
    Server,
    ServerAction,
    ServerMetadata,
    ServerNic,
)
from cyclades.network import ports as network_ports
from cyclades.volume import volumes as volume_service
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, ServiceUnavailable

log = logging.getLogger(__name__)

PASSWORD_LENGTH = 12
NAME_MAX_CHARS = 255
FIREWALL_PROFILES = ("ENABLED", "DISABLED", "PROTECTED")


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    """Random, with at least one upper, one lower and one digit (snf-image's rule)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.isupper() for c in password) and any(c.islower() for c in password)
                and any(c.isdigit() for c in password)):
            return password


def _lock(server_id: int) -> Server:
    return (Server.objects.select_for_update(of=("self",))
            .select_related("flavor", "backend").get(pk=server_id))


# -- submission (runs after the commit) -------------------------------------------------
def _submit(server_id: int, action_id: int, action: str,
            call: Callable[[Any, Server], int], *, server: Server | None = None) -> bool:
    """Hand the job to Ganeti and record its id; False when Ganeti did not take it.

    `server` (with backend and flavor loaded) saves reading it again when the caller
    has just written it, as a create has."""
    if server is None:
        server = Server.objects.select_related("backend", "flavor").get(pk=server_id)
    try:
        job_id = call(client_for(server.backend), server)
    except Exception as exc:  # any failure to hand the job to Ganeti undoes the intent
        log.error("server %s %s: submission failed: %s", server_id, action.lower(), exc)
        _fail_submission(server_id, action_id, action, str(exc))
        return False
    with transaction.atomic():
        statements.record_submission(server_id, action_id, action, job_id)
    log.info("server %s %s: job %s on backend %s", server_id, action.lower(), job_id,
             server.backend_id)
    return True


def _fail_submission(server_id: int, action_id: int, action: str, message: str) -> None:
    with transaction.atomic():
        server = _lock(server_id)
        if action == "CREATE":
            server.operstate = "ERROR"
            server.fault = f"Could not submit the build to Ganeti: {message}"[:2000]
        if server.task == action:
            server.task, server.task_job_id, server.resize_flavor = "", None, None
        server.save()
        ServerAction.objects.filter(pk=action_id).update(
            status="error", message=message[:2000], finished=timezone.now())
        commissions.decide(server, action, accept=False)
    commissions.resolve(server_id)


def _perform(server: Server, action: str, *, call: Callable[[Any, Server], int],
             provisions_of: Callable[[Server], dict[str, int]] = lambda s: {},
             prepare: Callable[[Server], None] | None = None, force: bool = False) -> Server:
    # Astakos must already hold what an earlier action decided (the dispatcher resolves
    # shortly after its commit): a release is checked against committed usage only.
    commissions.resolve(server.id)
    serial = None
    try:
        with transaction.atomic():
            locked = _lock(server.id)
            states.check_action(locked, action)
            if prepare is not None:
                prepare(locked)
            provisions = provisions_of(locked)
            serial = commissions.issue(locked, action, provisions, force=force)
            commissions.record(serial, locked, action, provisions)
            locked.task, locked.task_job_id = action, None
            locked.save()
            entry = ServerAction.objects.create(server=locked, action=action)
            transaction.on_commit(partial(_submit, locked.id, entry.id, action, call))
    except Exception:
        commissions.reject_now(serial)
        raise
    entry.refresh_from_db()
    if entry.status == "error":
        raise ServiceUnavailable(f"The cluster did not accept the {action.lower()} request: "
                                 f"{entry.message}")
    locked.refresh_from_db()
    return locked


# -- create -----------------------------------------------------------------------------
def validate_personality(personality: Any) -> list[dict[str, Any]]:
    from django.conf import settings

    if personality in (None, []):
        return []
    if not isinstance(personality, list):
        raise BadRequest("personality must be a list.")
    if len(personality) > settings.CYCLADES_MAX_PERSONALITY:
        raise quotas_fault("Personality file limit exceeded.")
    files = []
    for item in personality:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) \
                or not isinstance(item.get("contents"), str):
            raise BadRequest("Each personality item needs path and contents.")
        try:
            data = base64.b64decode(item["contents"], validate=True)
        except ValueError:
            raise BadRequest(f"Personality contents of {item['path']} are not base64.") from None
        if len(data) > settings.CYCLADES_MAX_PERSONALITY_BYTES:
            raise quotas_fault(f"Personality file {item['path']} is too large.")
        entry = {"path": item["path"], "contents": item["contents"]}
        for key in ("owner", "group", "mode"):
            if key in item:
                entry[key] = item[key]
        files.append(entry)
    return files


def quotas_fault(message: str) -> Exception:
    from snf_common.faults import OverLimit

    return OverLimit(message)


def validate_metadata(metadata: Any) -> dict[str, str]:
    from django.conf import settings

    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise BadRequest("metadata must be an object.")
    if len(metadata) > settings.CYCLADES_MAX_METADATA_ITEMS:
        raise quotas_fault("Maximum number of metadata items exceeded.")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str) or not key \
                or len(key) > 255 or len(value) > 255:
            raise BadRequest("Metadata keys and values must be strings of 1-255 characters.")
    return dict(metadata)


def validate_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX_CHARS:
        raise BadRequest(f"Server name must be a non-empty string of at most "
                         f"{NAME_MAX_CHARS} characters.")
    return name


def create_server(credentials: Credentials, *, name: str, flavor: Flavor, image: Any,
                  networks: list[str], metadata: dict[str, str],
                  personality: list[dict[str, Any]], keypairs: list[KeyPair],
                  project: str | None = None) -> tuple[Server, str]:
    """Create a server; returns it (BUILD, or ERROR if Ganeti refused) and its password."""
    from django.conf import settings

    password = generate_password()
    if keypairs:
        keys = "".join(k.public_key.strip() + "\n" for k in keypairs)
        personality = personality + [{
            "path": "/root/.ssh/authorized_keys", "owner": "root", "group": "root",
            "mode": 0o600, "contents": base64.b64encode(keys.encode()).decode()}]
    project = project or credentials.project_id or credentials.user_id
    networks = networks or [settings.CYCLADES_DEFAULT_NETWORK]
    nic_plans = network_ports.plan_server_nics(credentials, networks)   # 4xx before quota
    provisions = quotas.flavor_provisions(flavor, running=True)
    _refresh_stale_backends(flavor)
    probe = Server(owner=credentials.user_id, project=project)
    serial = commissions.issue(probe, "CREATE", provisions)
    try:
        with transaction.atomic():
            backend = allocator.allocate(flavor)
            if backend is None:
                raise ServiceUnavailable(
                    f"No Ganeti backend can take a {flavor.disk_template} server now.")
            server = Server.objects.create(
                owner=credentials.user_id, project=project, name=name, flavor=flavor,
                image_id=image.snapshot()["id"], image=image.snapshot(),
                key_names=[k.name for k in keypairs], personality=personality,
                operstate="BUILD", task="CREATE", backend=backend)
            nics, new_networks = network_ports.create_server_nics(server, nic_plans)
            ServerMetadata.objects.bulk_create([
                ServerMetadata(server=server, key=k, value=v) for k, v in metadata.items()])
            if flavor.disk:
                volume_service.create_boot_volume(server)   # the root disk, as a Volume
            commissions.record(serial, server, "CREATE", provisions)
            entry = ServerAction.objects.create(server=server, action="CREATE")
            call = partial(_create_call, password=password, nic_count=len(networks),
                           nics=nics, new_networks=new_networks)
            submitted: list[bool] = []
            transaction.on_commit(lambda: submitted.append(
                _submit(server.id, entry.id, "CREATE", call, server=server)))
    except Exception:
        commissions.reject_now(serial)
        raise
    if submitted != [True]:   # Ganeti refused: the server is ERROR now
        server.refresh_from_db()
    log.info("server %s created for user %s on backend %s", server.id, server.owner,
             server.backend_id)
    return server, password


# Disk template -> when this process last looked for stale backend stats.
_stale_checked: dict[str, float] = {}
STALE_CHECK_SECONDS = 5.0


def _refresh_stale_backends(flavor: Flavor) -> None:
    """Stats go stale after CYCLADES_BACKEND_REFRESH_SECONDS (minutes): looking for stale
    ones at every create only cost a query of all candidate backends each time, so a
    process looks at most every few seconds per disk template."""
    now = time.monotonic()
    last = _stale_checked.get(flavor.disk_template)
    if last is not None and now - last < STALE_CHECK_SECONDS:
        return
    _stale_checked[flavor.disk_template] = now
    allocator.refresh_stale(flavor)


def _create_call(rapi: Any, server: Server, *, password: str, nic_count: int,
                 nics: list | None = None, new_networks: list | None = None) -> int:
    body = jobs.create_body(server, password=password, nic_count=nic_count)
    if nics is not None:
        body["nics"] = nics
    # Networks this backend does not have yet go first; the create waits for them.
    depends = [job for network_id in new_networks or []
               for job in network_ports.submit_network(rapi, network_id, server.backend_id)]
    if depends:
        body["depends"] = [[job, ["success"]] for job in depends]
    return rapi.create_instance(body)


# -- actions ----------------------------------------------------------------------------
def start(server: Server) -> Server:
    return _perform(server, "START",
                    provisions_of=lambda s: quotas.running_provisions(s.flavor),
                    call=lambda rapi, s: rapi.startup(jobs.instance_name(s.id)))


def stop(server: Server) -> Server:
    from django.conf import settings

    timeout = settings.CYCLADES_SHUTDOWN_TIMEOUT_SECONDS
    return _perform(server, "STOP",
                    provisions_of=lambda s: quotas.running_provisions(s.flavor, sign=-1),
                    call=lambda rapi, s: rapi.shutdown(jobs.instance_name(s.id),
                                                       timeout=timeout))


def reboot(server: Server, *, kind: str) -> Server:
    kind = (kind or "SOFT").upper()
    if kind not in ("SOFT", "HARD"):
        raise BadRequest("Reboot type must be SOFT or HARD.")

    def prepare(locked: Server) -> None:
        locked.reboot_type = kind

    return _perform(server, "REBOOT", prepare=prepare,
                    call=lambda rapi, s: rapi.reboot(jobs.instance_name(s.id),
                                                     kind=kind.lower()))


def resize(server: Server, *, flavor: Flavor) -> Server:
    current = server.flavor
    if flavor.id == current.id:
        raise BadRequest("The server already has this flavor.")
    if flavor.disk != current.disk or flavor.disk_template != current.disk_template:
        raise BadRequest("Resize changes cpu and ram only: the new flavor must have the same "
                         "disk size and disk template.")

    def prepare(locked: Server) -> None:
        locked.resize_flavor = flavor

    def provisions_of(locked: Server) -> dict[str, int]:
        return {"cyclades.total_cpu": flavor.cpu - locked.flavor.cpu,
                "cyclades.total_ram": (flavor.ram - locked.flavor.ram) * quotas.MIB}

    return _perform(server, "RESIZE", prepare=prepare, provisions_of=provisions_of,
                    call=lambda rapi, s: rapi.modify(jobs.instance_name(s.id),
                                                     jobs.resize_body(flavor)))


def destroy(server: Server) -> Server:
    """Delete a server. Always allowed; a server Ganeti never built goes at once."""
    with transaction.atomic():
        locked = _lock(server.id)
        states.check_action(locked, "DESTROY")
        # Any pending action is superseded: count what it reserved, then release all.
        for pending in Commission.objects.filter(server=locked, decision="", resolved=False):
            commissions.decide(locked, pending.action, accept=True)
    # The release below is checked against committed usage: Astakos must hold every
    # accepted reservation first (including one the dispatcher has not resolved yet).
    commissions.resolve(server.id)
    serial = None
    try:
        with transaction.atomic():
            locked = _lock(server.id)
            states.check_action(locked, "DESTROY")
            locked.refresh_from_db(fields=["quota_held"])
            release = {k: -v for k, v in locked.quota_held.items()}
            serial = commissions.issue(locked, "DESTROY", release, force=True)
            commissions.record(serial, locked, "DESTROY", release)
            entry = ServerAction.objects.create(server=locked, action="DESTROY")
            if not locked.instance_created and locked.operstate == "ERROR" and not locked.task:
                mark_destroyed(locked)
                commissions.decide(locked, "DESTROY", accept=True)
                entry.status, entry.finished = "success", timezone.now()
                entry.message = "never built in Ganeti; removed locally"
                entry.save()
            else:
                locked.task, locked.task_job_id = "DESTROY", None
                locked.save()
                call = lambda rapi, s: rapi.remove(jobs.instance_name(s.id))  # noqa: E731
                transaction.on_commit(partial(_submit, locked.id, entry.id, "DESTROY", call))
    except Exception:
        commissions.reject_now(serial)
        raise
    commissions.resolve(locked.id)
    entry.refresh_from_db()
    if entry.status == "error":
        raise ServiceUnavailable(f"The cluster did not accept the delete request: "
                                 f"{entry.message}")
    locked.refresh_from_db()
    return locked


def mark_destroyed(server: Server) -> None:
    server.operstate, server.deleted = "DESTROYED", True
    server.task, server.task_job_id = "", None
    server.save()
    ServerNic.objects.filter(server=server).update(state="DOWN")
    network_ports.server_destroyed(server)


def rename(server: Server, *, name: str) -> Server:
    with transaction.atomic():
        locked = _lock(server.id)
        locked.name = validate_name(name)
        locked.save(update_fields=["name", "updated"])
    return locked


def set_firewall_profile(server: Server, *, profile: str, nic: str | None = None) -> Server:
    """Tag the instance so snf-network enforces the profile on the NIC."""
    profile = (profile or "").upper()
    if profile not in FIREWALL_PROFILES:
        raise BadRequest(f"Firewall profile must be one of {', '.join(FIREWALL_PROFILES)}.")
    with transaction.atomic():
        locked = _lock(server.id)
        states.check_action(locked, "FIREWALL")
        nics = list(locked.nics.all())
        target = nics[0] if nics and nic is None else \
            next((n for n in nics if nic in (str(n.id), n.name)), None)
        if target is None:
            raise BadRequest(f"Server {locked.id} has no NIC {nic}.")
        old = target.firewall_profile
        entry = ServerAction.objects.create(server=locked, action="FIREWALL")
    name = jobs.instance_name(locked.id)
    rapi = client_for(locked.backend)
    try:
        if old and old != profile:
            rapi.delete_tags(name, [jobs.firewall_tag(target.index, old)])
        job_id = rapi.add_tags(name, [jobs.firewall_tag(target.index, profile)])
    except Exception as exc:
        ServerAction.objects.filter(pk=entry.id).update(status="error", message=str(exc),
                                                        finished=timezone.now())
        raise ServiceUnavailable(f"The cluster did not accept the firewall change: {exc}")
    ServerNic.objects.filter(pk=target.pk).update(firewall_profile=profile)
    ServerAction.objects.filter(pk=entry.id).update(job_id=job_id, status="submitted")
    return locked


# -- metadata ---------------------------------------------------------------------------
def set_metadata(server: Server, items: dict[str, str], *, replace: bool) -> dict[str, str]:
    from django.conf import settings

    items = validate_metadata(items)
    with transaction.atomic():
        locked = _lock(server.id)
        current = {m.key: m.value for m in locked.metadata.all()}
        merged = dict(items) if replace else {**current, **items}
        if len(merged) > settings.CYCLADES_MAX_METADATA_ITEMS:
            raise quotas_fault("Maximum number of metadata items exceeded.")
        ServerMetadata.objects.filter(server=locked).delete()
        ServerMetadata.objects.bulk_create([ServerMetadata(server=locked, key=k, value=v)
                                            for k, v in merged.items()])
        locked.save(update_fields=["updated"])
    return merged


def delete_metadata(server: Server, key: str) -> None:
    from snf_common.faults import ItemNotFound

    with transaction.atomic():
        locked = _lock(server.id)
        deleted, _ = ServerMetadata.objects.filter(server=locked, key=key).delete()
        if not deleted:
            raise ItemNotFound(f"Metadata item {key} not found.")
        locked.save(update_fields=["updated"])
