"""Running the cluster's external programs the way Ganeti does: hooks
(<hooks>/<hpath>-<phase>.d/*), the OS definition (<os dir>/<name>/create) and
ExtStorage providers (<dir>/<provider>/{create,attach,...}), with Ganeti's
environment variables and a clean environment otherwise."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import snf_ganeti
import snf_image
from snf_ganeti.devcluster.jobs import execfail, prereq

log = logging.getLogger(__name__)

HOOK_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
HOOK_TIMEOUT_SECONDS = 60
OS_TIMEOUT_SECONDS = 600
EXTSTORAGE_TIMEOUT_SECONDS = 120
HOOKED_PATHS = ("instance-add", "instance-start", "instance-stop", "instance-reboot",
                "instance-modify", "instance-remove")
REPO_HOOK = Path(snf_ganeti.__file__).resolve().parent.parent / "hooks" / "snf-ganeti-hook"
REPO_OS = Path(snf_image.__file__).resolve().parent.parent / "ganeti-os"
REPO_EXTSTORAGE = Path(snf_ganeti.__file__).resolve().parents[2] / "archipelago" / "extstorage"


def base_env() -> dict[str, str]:
    """What a program inherits: PATH (with this Python first, so `python3 -m` finds our
    packages) and the SNF_* settings pointers. Ganeti itself gives only PATH."""
    env = {"PATH": f"{Path(sys.executable).parent}:/sbin:/bin:/usr/sbin:/usr/bin",
           "LANG": "C.UTF-8"}
    env.update({k: v for k, v in os.environ.items() if k.startswith("SNF_")})
    return env


def install_hooks(hooks_dir: Path) -> None:
    """Link the snf hook into every instance hook path (as a Ganeti node install does)."""
    for hpath in HOOKED_PATHS:
        folder = hooks_dir / f"{hpath}-post.d"
        folder.mkdir(parents=True, exist_ok=True)
        link = folder / "50-snf"
        if link.exists() or link.is_symlink():
            continue
        if REPO_HOOK.exists():
            link.symlink_to(REPO_HOOK)
        else:
            link.write_text("#!/bin/sh\nexec python3 -m snf_ganeti.hook \"$@\"\n")
            link.chmod(0o755)


def with_post_copies(env: Mapping[str, str], post: Mapping[str, str] | None) -> dict[str, str]:
    out = dict(env)
    for key, value in (post or {}).items():
        if key.startswith("GANETI_"):
            out["GANETI_POST_" + key[len("GANETI_"):]] = value
    return out


def run_hooks(hooks_dir: Path, hpath: str, phase: str, env: Mapping[str, str],
              feedback: Any = None) -> None:
    """Run <hpath>-<phase>.d/* in name order; a failing pre hook aborts the operation."""
    folder = hooks_dir / f"{hpath}-{phase}.d"
    if not folder.is_dir():
        return
    full = {**base_env(), **env, "GANETI_HOOKS_PATH": hpath, "GANETI_HOOKS_PHASE": phase,
            "GANETI_HOOKS_VERSION": "2"}
    for script in sorted(folder.iterdir()):
        if not HOOK_NAME.match(script.name) or not os.access(script, os.X_OK):
            continue
        try:
            proc = subprocess.run([str(script)], env=full, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=HOOK_TIMEOUT_SECONDS, cwd="/")
            code, output = proc.returncode, (proc.stdout + proc.stderr).decode(errors="replace")
        except subprocess.TimeoutExpired:
            code, output = -1, "timed out"
        if code != 0:
            log.warning("hook %s/%s failed (%s): %s", folder.name, script.name, code, output[-500:])
            if phase == "pre":
                raise prereq(f"Hooks failed: {folder.name}/{script.name}: {output[-300:]}",
                             "wrong_state")
            if feedback:
                feedback(f"Warning: hook {script.name} failed in phase {phase}")


def find_os(os_dirs: list[Path], os_name: str) -> Path | None:
    """The OS definition's folder: the configured OS dirs first, then this repository's."""
    name = os_name.split("+", 1)[0]
    for folder in os_dirs:
        if (folder / name / "create").exists():
            return folder / name
    if name == "snf-image" and (REPO_OS / "create").exists():
        return REPO_OS
    return None


def list_os(os_dirs: list[Path]) -> list[str]:
    names = set()
    for folder in os_dirs:
        if folder.is_dir():
            for entry in folder.iterdir():
                if (entry / "create").exists():
                    variants = entry / "variants.list"
                    for variant in (variants.read_text().split() if variants.exists() else []):
                        names.add(f"{entry.name}+{variant}")
    if REPO_OS.is_dir():
        names.add("snf-image+default")
    return sorted(names)


def run_os_create(os_dir: Path, env: Mapping[str, str]) -> str:
    """Run the OS definition's create; failure raises OpExecError with its stderr."""
    full = {**base_env(), **env}
    try:
        proc = subprocess.run([str(os_dir / "create")], env=full, cwd=str(os_dir),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=OS_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise execfail("OS create script timed out") from None
    output = (proc.stdout + proc.stderr).decode(errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-5:])
        raise execfail(f"Could not add os for instance {env.get('INSTANCE_NAME')} on node "
                       f"{env.get('INSTANCE_PRIMARY_NODE_NAME', '')}: OS create script failed "
                       f"(exited with exit code {proc.returncode}), last lines: {tail}")
    return output


def find_provider(dirs: list[Path], provider: str) -> Path | None:
    for folder in dirs:
        if (folder / provider / "create").exists():
            return folder / provider
    if provider == "archipelago" and (REPO_EXTSTORAGE / "create").exists():
        return REPO_EXTSTORAGE
    return None


def run_extstorage(provider_dir: Path, action: str, env: Mapping[str, str]) -> str:
    script = provider_dir / action
    if not script.exists():
        if action in ("setinfo", "verify", "open", "close", "snapshot"):
            return ""  # optional in Ganeti 3.0
        raise execfail(f"ExtStorage provider {provider_dir.name} has no {action}")
    full = {**base_env(), **env}
    try:
        proc = subprocess.run([str(script)], env=full, cwd=str(provider_dir),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=EXTSTORAGE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise execfail(f"ExtStorage {action} timed out") from None
    if proc.returncode != 0:
        raise execfail(f"ExtStorage {provider_dir.name} {action} failed: "
                       f"{proc.stderr.decode(errors='replace')[-300:]}")
    return proc.stdout.decode(errors="replace")
