"""Attach and detach: one `python -m archipelago.nbd` server per attached volume.

State lives in `<run dir>/nbd/`: `<key>.sock` (the server's unix socket),
`<key>.json` ({pid, socket, device, volume}) and `<key>.log` (the server's log).

Two modes (ARCHIPELAGO_NBD_MODE = auto | kernel | userspace):

- kernel (a production node with the nbd module loaded): the server is started,
  then `nbd-client -unix <sock> -N <volume> /dev/nbdN` connects a free kernel
  device to it. attach prints `/dev/nbdN` (a real block device, which Ganeti
  checks) and the userspace URI.
- userspace (no /dev/nbd*: containers, this sandbox): only the server runs.
  attach prints the socket's path on line 1 (stable, but not a block device:
  real Ganeti refuses it, the development cluster and snf-image accept it) and
  `kvm:nbd:unix:<sock>:exportname=<volume>` on line 2, which Ganeti hands to
  KVM for `access=userspace` disks and to OS scripts as DISK_<i>_URI.

auto picks kernel when /dev/nbd0 and nbd-client exist.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from archipelago.mapper import VolumeError

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 60.0  # the server stores its dirty blocks before it exits
SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes


@dataclass
class Attachment:
    volume: str
    pid: int
    socket: str
    device: str = ""

    @property
    def uri(self) -> str:
        return f"nbd:unix:{self.socket}:exportname={self.volume}"

    def lines(self) -> list[str]:
        return [self.device or self.socket, "kvm:" + self.uri]


def nbd_dir(run_dir: str) -> Path:
    path = Path(run_dir) / "nbd"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _key(run_dir: str, volume: str) -> str:
    """The file stem for a volume: its name, or a digest when the socket path would not fit."""
    safe = volume.replace("/", "%2F")
    if len(str(Path(run_dir) / "nbd" / f"{safe}.sock")) <= SOCKET_PATH_MAX and not safe.startswith("."):
        return safe
    return hashlib.sha256(volume.encode()).hexdigest()[:24]


def _state_file(run_dir: str, volume: str) -> Path:
    return nbd_dir(run_dir) / f"{_key(run_dir, volume)}.json"


def _alive(pid: int, socket_path: str) -> bool:
    """Our server with this socket still runs (guards against a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"archipelago.nbd" in cmdline and socket_path.encode() in cmdline


def _connectable(socket_path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        try:
            sock.connect(socket_path)
        except OSError:
            return False
    return True


def current(run_dir: str, volume: str) -> Attachment | None:
    """The live attachment of `volume`, if any."""
    path = _state_file(run_dir, volume)
    try:
        state = Attachment(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if _alive(state.pid, state.socket) and _connectable(state.socket):
        return state
    return None


def kernel_mode_available() -> bool:
    return os.path.exists("/dev/nbd0") and shutil.which("nbd-client") is not None


def _free_nbd_device() -> str:
    for entry in sorted(Path("/sys/block").glob("nbd*"), key=lambda p: int(p.name[3:] or 0)):
        if not (entry / "pid").exists() and Path(f"/dev/{entry.name}").exists():
            return f"/dev/{entry.name}"
    raise VolumeError("no free /dev/nbd device")


def _start_server(store_spec: str, run_dir: str, volume: str) -> Attachment:
    stem = _key(run_dir, volume)
    folder = nbd_dir(run_dir)
    sock = str(folder / f"{stem}.sock")
    read_fd, write_fd = os.pipe()
    with open(folder / f"{stem}.log", "ab") as log, open(os.devnull, "rb") as devnull:
        # Own session and no inherited stdout: Ganeti (and the devcluster) read the
        # provider's stdout to EOF, so the long-lived server must not hold it open.
        proc = subprocess.Popen(
            [sys.executable, "-m", "archipelago.nbd", "--store", store_spec, "--socket", sock,
             "--ready-fd", str(write_fd), volume],
            stdin=devnull, stdout=log, stderr=log, pass_fds=(write_fd,),
            start_new_session=True, cwd="/")
    os.close(write_fd)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        ready = b""
        os.set_blocking(read_fd, False)
        while b"ready" not in ready:
            if proc.poll() is not None:
                tail = (folder / f"{stem}.log").read_text(errors="replace")[-400:]
                raise VolumeError(f"the NBD server for {volume} exited: {tail.strip()}")
            if time.monotonic() > deadline:
                proc.kill()
                raise VolumeError(f"the NBD server for {volume} did not start in time")
            try:
                ready += os.read(read_fd, 64)
            except BlockingIOError:
                time.sleep(0.02)
    finally:
        os.close(read_fd)
    return Attachment(volume=volume, pid=proc.pid, socket=sock)


def attach(store_spec: str, run_dir: str, volume: str, mode: str = "auto") -> Attachment:
    """Start (or reuse) the volume's server; in kernel mode connect /dev/nbdN to it."""
    existing = current(run_dir, volume)
    if existing is not None:
        return existing  # attach is idempotent, as the interface requires
    use_kernel = mode == "kernel" or (mode == "auto" and kernel_mode_available())
    if mode == "kernel" and not kernel_mode_available():
        raise VolumeError("kernel NBD mode needs the nbd module (/dev/nbd0) and nbd-client")
    state = _start_server(store_spec, run_dir, volume)
    if use_kernel:
        device = _free_nbd_device()
        proc = subprocess.run(["nbd-client", "-unix", state.socket, "-N", volume, device],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            _stop(state)
            raise VolumeError(f"nbd-client {device} failed: {proc.stderr.strip()[-300:]}")
        state.device = device
    _state_file(run_dir, volume).write_text(json.dumps(asdict(state)))
    return state


def _stop(state: Attachment) -> None:
    if not _alive(state.pid, state.socket):
        return
    os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(state.pid, state.socket):
        try:  # reap it if we are its parent (tests); otherwise it is init's child
            os.waitpid(state.pid, os.WNOHANG)
        except ChildProcessError:
            pass
        if time.monotonic() > deadline:
            raise VolumeError(f"the NBD server of {state.volume} (pid {state.pid}) "
                              "did not stop; its unflushed writes would be lost by a kill")
        time.sleep(0.05)


def detach(run_dir: str, volume: str) -> None:
    """Undo attach; a volume that is not attached is fine (idempotent)."""
    path = _state_file(run_dir, volume)
    try:
        state = Attachment(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return
    if state.device:
        subprocess.run(["nbd-client", "-d", state.device], capture_output=True, timeout=60)
    _stop(state)
    stem = path.stem
    for suffix in (".json", ".sock"):
        (path.parent / f"{stem}{suffix}").unlink(missing_ok=True)
