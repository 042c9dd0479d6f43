"""Customise a Linux root filesystem (ext2/3/4) in place, without mounting it.

Each task is a function (fs, params, report) named like snf-image's tasks, so
an image property EXCLUDE_TASK_<Name> skips it.
"""

from __future__ import annotations

import subprocess
import warnings
from collections.abc import Callable

from snf_image.extfs import ExtFs, ExtFsError
from snf_image.params import DeployParams


class TaskError(Exception):
    """A customisation step could not be done; the deployment fails."""


def _id_table(fs: ExtFs, path: str) -> dict[str, int]:
    """name -> id from the image's own /etc/passwd or /etc/group."""
    table = {"root": 0}
    for line in (fs.read(path) or b"").decode(errors="replace").splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit():
            table[fields[0]] = int(fields[2])
    return table


def _resolve(value: str | int, table: dict[str, int], what: str) -> int:
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    if value not in table:
        raise TaskError(f"{what} {value!r} does not exist in the image")
    return table[value]


def hash_password(password: str) -> str:
    """A SHA-512 crypt hash ($6$...), the default of snf-image for Linux."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt  # removed in Python 3.13; openssl below takes over
        except ImportError:
            crypt = None
    if crypt is not None:
        return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))
    proc = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password.encode(),
                          capture_output=True, timeout=30, check=True)
    return proc.stdout.decode().strip()


def assign_hostname(fs: ExtFs, params: DeployParams) -> str:
    hostname = params.prop("HOSTNAME") or params.instance
    fs.write("/etc/hostname", f"{hostname}\n".encode(), mode=0o644)
    return f"hostname {hostname}"


def change_password(fs: ExtFs, params: DeployParams) -> str:
    if not (params.passwd or params.passwd_hash):
        return "no password given"
    shadow = fs.read("/etc/shadow")
    if shadow is None:
        raise TaskError("the image has no /etc/shadow")
    users = ["root", *str(params.prop("USERS", "")).split()]
    hashed = params.passwd_hash or hash_password(params.passwd or "")
    lines, changed = [], []
    for line in shadow.decode().splitlines():
        fields = line.split(":")
        if len(fields) > 1 and fields[0] in users:
            fields[1] = hashed
            changed.append(fields[0])
        lines.append(":".join(fields))
    fs.write("/etc/shadow", ("\n".join(lines) + "\n").encode(), mode=0o640,
             gid=_id_table(fs, "/etc/group").get("shadow", 0))
    return f"password set for {', '.join(changed) or 'nobody'}"


def inject_ssh_keys(fs: ExtFs, params: DeployParams) -> str:
    if not params.auth_keys:
        return "no keys given"
    existing = (fs.read("/root/.ssh/authorized_keys") or b"").decode()
    keys = [k for k in params.auth_keys if k not in existing.splitlines()]
    text = existing + ("" if not existing or existing.endswith("\n") else "\n")
    text += "".join(f"{k}\n" for k in keys)
    fs.mkdirs("/root/.ssh", mode=0o700)
    fs.write("/root/.ssh/authorized_keys", text.encode(), mode=0o600)
    return f"{len(keys)} key(s) added for root"


def enforce_personality(fs: ExtFs, params: DeployParams) -> str:
    if not params.personality:
        return "no files given"
    users, groups = _id_table(fs, "/etc/passwd"), _id_table(fs, "/etc/group")
    for item in params.personality:
        fs.write(item.path, item.contents, mode=item.mode,
                 uid=_resolve(item.owner, users, "owner"),
                 gid=_resolve(item.group, groups, "group"))
    return f"{len(params.personality)} file(s) written"


Task = Callable[[ExtFs, DeployParams], str]
TASKS: list[tuple[str, Task]] = [
    ("AssignHostname", assign_hostname),
    ("ChangePassword", change_password),
    ("InjectSSHKeys", inject_ssh_keys),
    ("EnforcePersonality", enforce_personality),
]


def run_tasks(fs: ExtFs, params: DeployParams, on_task: Callable[[str, str], None]) -> None:
    """Run every task not excluded by image properties; on_task(event, text) reports."""
    for name, task in TASKS:
        if params.prop_bool(f"EXCLUDE_TASK_{name}"):
            on_task("warning", f"{name} excluded by image property")
            continue
        on_task("task-start", name)
        try:
            detail = task(fs, params)
        except ExtFsError as exc:
            raise TaskError(f"{name}: {exc}") from None
        on_task("task-end", f"{name}: {detail}")
