"""Deploying onto a disk reached only through NBD (DISK_0_URI = nbd:unix:...), and
noticing when the disk is already a copy-on-write clone of the image.

Archipelago's ExtStorage provider clones the image's map when it creates the
volume, so nothing needs copying: the volume's map records the image it came
from (`origin`), and `is_thin_clone` compares that with img_id (img_id `null`
means the same).

debugfs and e2fsprogs need a file, not a socket. On a node without kernel NBD
devices (the provider's userspace mode) the disk is therefore customised on a
scratch copy: its bytes are read through NBD into a sparse temporary file
(zero blocks become holes), the usual customisation runs on that file, and
only the 4 MiB blocks whose bytes changed are written back. Each changed
block becomes one new block in the store; all the others keep pointing at the
image's blocks. With a kernel device (/dev/nbdN in DISK_0_PATH) none of this
is needed: debugfs writes to the device and the NBD server does the
copy-on-write.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from typing import Any

from snf_common.hashing import BLOCK_SIZE_BYTES
from snf_image.params import DeployParams
from snf_image.progress import Reporter
from snf_image.sources import open_image


def nbd_export(params: DeployParams) -> tuple[str, str] | None:
    """(socket, export) when DISK_0_URI is a unix-socket NBD URI."""
    if not params.disk_uri:
        return None
    from archipelago.nbd import NbdError, parse_nbd_uri

    try:
        return parse_nbd_uri(params.disk_uri)
    except NbdError:
        return None


def use_nbd(params: DeployParams) -> bool:
    """NBD is the way in when DISK_0_PATH is missing or not a file or block device
    (the provider's userspace mode prints its socket there)."""
    if nbd_export(params) is None:
        return False
    if not params.disk_path:
        return True
    try:
        mode = os.stat(params.disk_path).st_mode
    except OSError:
        return True
    return not (stat.S_ISREG(mode) or stat.S_ISBLK(mode))


def is_thin_clone(params: DeployParams, settings: dict[str, Any]) -> bool:
    """The disk already holds the image: img_id is null, or the Archipelago volume
    behind DISK_0_URI was cloned from exactly this img_id."""
    if params.img_id in ("null", "null://"):
        return True
    target = nbd_export(params)
    config = settings.get("SNF_IMAGE_BLOCKSTORE") or {}
    if target is None or not config:
        return False
    from archipelago import mapper
    from archipelago.blockstore import BlockStoreError, open_blockstore

    try:
        with open_blockstore(config) as store:
            volume = mapper.load(store, target[1])
    except (mapper.VolumeError, BlockStoreError, OSError):
        return False
    return bool(volume.origin) and volume.origin == params.img_id


def _copy_stream(client: Any, params: DeployParams, settings: dict[str, Any],
                 reporter: Reporter) -> None:
    stream = open_image(params.img_id, settings)
    if stream.size is not None and stream.size > client.size:
        raise ValueError(f"image is {stream.size} bytes, the disk only {client.size}")
    reporter.info(f"copying {stream.description} to the NBD disk")
    written = 0
    for chunk in stream.chunks:
        if written + len(chunk) > client.size:
            raise ValueError(f"image is larger than the disk ({client.size} bytes)")
        client.write(written, chunk)
        written += len(chunk)
        reporter.copy_progress(written, max(stream.size or 0, written))
    client.flush()


def _chunks(size: int) -> list[tuple[int, int]]:
    return [(off, min(BLOCK_SIZE_BYTES, size - off)) for off in range(0, size, BLOCK_SIZE_BYTES)]


def customise_through_scratch(client: Any, customise: Callable[[str], None]) -> tuple[int, int]:
    """Run `customise(path)` on a sparse copy of the disk and write back the blocks it
    changed; returns (changed blocks, total blocks)."""
    chunks = _chunks(client.size)
    with tempfile.TemporaryDirectory(prefix="snf-image-") as tmp:
        path = os.path.join(tmp, "disk.raw")
        before: list[bytes | None] = []
        with open(path, "wb") as scratch:
            scratch.truncate(client.size)
            for offset, length in chunks:
                data = client.read(offset, length)
                if data.count(0) == length:
                    before.append(None)  # a hole in the scratch file
                    continue
                scratch.seek(offset)
                scratch.write(data)
                before.append(hashlib.sha256(data).digest())
        customise(path)
        changed = 0
        with open(path, "rb") as scratch:
            for (offset, length), old in zip(chunks, before, strict=True):
                scratch.seek(offset)
                data = scratch.read(length)
                now = None if data.count(0) == length else hashlib.sha256(data).digest()
                if now != old:
                    client.write(offset, data)
                    changed += 1
        client.flush()
    return changed, len(chunks)


def deploy_over_nbd(params: DeployParams, settings: dict[str, Any], reporter: Reporter,
                    customise: Callable[[DeployParams, str, Reporter], None]) -> None:
    from archipelago.nbd import NbdClient

    sock, export = nbd_export(params) or ("", "")
    with NbdClient(sock, export) as client:
        if is_thin_clone(params, settings):
            reporter.info("the disk is a copy-on-write clone of the image: nothing to copy")
        else:
            _copy_stream(client, params, settings, reporter)
        changed, total = customise_through_scratch(
            client, lambda path: customise(params, path, reporter))
        reporter.info(f"customisation wrote {changed} of {total} blocks")
