"""`create`: copy the image onto the instance's first disk, then customise it.

Steps: read the request (OS env + config_url), open the image source, copy it
onto DISK_0_PATH reporting progress, find the root ext filesystem (whole disk or
a partition), grow a whole-disk filesystem to fill the disk, run the Linux tasks
with debugfs. Any failure is reported (image-error) and makes the script exit 1,
which fails the Ganeti job.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from typing import Any

from snf_image import nbddisk
from snf_image.extfs import ExtFs, check_and_grow
from snf_image.params import DeployParams, parse_params
from snf_image.partitions import Partition, find_root
from snf_image.progress import Reporter
from snf_image.sources import open_image
from snf_image.tasks.linux import run_tasks


class DeployError(Exception):
    """The deployment cannot go on; the message is shown to the operator and the user."""


def disk_path(params: DeployParams) -> str:
    if params.disk_path:
        return params.disk_path
    if params.disk_uri and params.disk_uri.startswith("file://"):
        return urllib.parse.urlparse(params.disk_uri).path
    if params.disk_uri:
        raise DeployError(f"DISK_0_URI {params.disk_uri.split(':')[0]}: only kernel-space "
                          "disks (DISK_0_PATH) are supported")
    raise DeployError("no target disk: DISK_0_PATH is not set")


def device_size(path: str) -> int:
    with open(path, "rb") as handle:
        return handle.seek(0, os.SEEK_END)


def copy_image(params: DeployParams, target: str, settings: dict[str, Any],
               reporter: Reporter) -> int:
    stream = open_image(params.img_id, settings)
    capacity = device_size(target)
    if stream.size is not None and stream.size > capacity:
        raise DeployError(f"image is {stream.size} bytes, the disk only {capacity}")
    reporter.info(f"copying {stream.description} to {target}")
    total = stream.size or 0
    written = 0
    with open(target, "r+b") as out:
        for chunk in stream.chunks:
            if written + len(chunk) > capacity:
                raise DeployError(f"image is larger than the disk ({capacity} bytes)")
            out.write(chunk)
            written += len(chunk)
            reporter.copy_progress(written, max(total, written))
        out.flush()
        os.fsync(out.fileno())
    reporter.copy_progress(written, written)
    return written


def customisation_wanted(params: DeployParams) -> bool:
    return bool(params.passwd or params.passwd_hash or params.personality or params.auth_keys)


def customise(params: DeployParams, target: str, reporter: Reporter) -> None:
    family = str(params.prop("OSFAMILY", "linux")).lower()
    if params.prop_bool("EXCLUDE_ALL_TASKS"):
        reporter.info("all customisation tasks excluded by image property")
        return
    if params.img_format == "ntfsdump" or family != "linux":
        if customisation_wanted(params):
            raise DeployError(f"customising {family} images is not supported by this snf-image")
        reporter.info(f"{family} image copied as is (no customisation for it)")
        return
    root_number = params.prop("ROOT_PARTITION")
    with open(target, "rb") as handle:
        root: Partition | None = find_root(handle, int(root_number) if root_number else None)
    if root is None or (params.img_format == "extdump" and root.number != 0):
        if customisation_wanted(params):
            raise DeployError("no ext2/3/4 root filesystem found in the image")
        reporter.info("no ext2/3/4 filesystem found; image copied as is")
        return
    if root.number == 0 and not params.prop_bool("EXCLUDE_TASK_FilesystemResize"):
        reporter.task("task-start", "FilesystemResize")
        check_and_grow(target)
        reporter.task("task-end", "FilesystemResize: grown to the whole disk")
    fs = ExtFs(target, root.offset)
    run_tasks(fs, params, reporter.task)


def create(environ: Mapping[str, str], settings: dict[str, Any]) -> None:
    monitor = environ.get("PROGRESS_MONITOR") or settings.get("SNF_IMAGE_PROGRESS_MONITOR")
    reporter = Reporter(monitor, environ.get("INSTANCE_NAME", ""))
    try:
        params = parse_params(environ, settings.get("SNF_IMAGE_CONFIG_URL_TIMEOUT", 30.0))
        if nbddisk.use_nbd(params):  # no kernel device: the disk is only an NBD URI
            nbddisk.deploy_over_nbd(params, settings, reporter, customise)
            reporter.info("image deployed")
            return
        target = disk_path(params)
        if nbddisk.is_thin_clone(params, settings):
            reporter.info("the disk is a copy-on-write clone of the image: nothing to copy")
        else:
            copy_image(params, target, settings, reporter)
        customise(params, target, reporter)
        reporter.info("image deployed")
    except Exception as exc:
        reporter.error(str(exc) or exc.__class__.__name__)
        raise
    finally:
        reporter.close()
