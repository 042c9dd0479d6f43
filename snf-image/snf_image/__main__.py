"""`python -m snf_image <verb>`: the Ganeti OS API 20 verbs (create, import, export,
rename, verify), run by the one-line scripts of ganeti-os/ with Ganeti's environment."""

from __future__ import annotations

import os
import shutil
import sys

from snf_image import settings as image_settings
from snf_image.params import ParamError, parse_params

COPY_BYTES = 4 * 1024 * 1024


def _disk() -> str:
    path = os.environ.get("DISK_0_PATH")
    if not path:
        raise ParamError("DISK_0_PATH is not set")
    return path


def do_create() -> None:
    from snf_image.deploy import create

    create(os.environ, image_settings.load())


def do_export() -> None:
    """The whole first disk on stdout; its size on EXP_SIZE_FD when Ganeti asks."""
    path = _disk()
    with open(path, "rb") as disk:
        size = disk.seek(0, os.SEEK_END)
        disk.seek(0)
        if os.environ.get("EXP_SIZE_FD"):
            os.write(int(os.environ["EXP_SIZE_FD"]), f"{size}\n".encode())
        shutil.copyfileobj(disk, sys.stdout.buffer, COPY_BYTES)


def do_import() -> None:
    with open(_disk(), "r+b") as disk:
        shutil.copyfileobj(sys.stdin.buffer, disk, COPY_BYTES)
        disk.flush()
        os.fsync(disk.fileno())


def do_rename() -> None:
    """Nothing on the disk depends on the instance name."""


def do_verify() -> None:
    if any(k.startswith("OSP_") for k in os.environ):
        parse_params({k: v for k, v in os.environ.items() if k != "OSP_CONFIG_URL"})


VERBS = {"create": do_create, "export": do_export, "import": do_import,
         "rename": do_rename, "verify": do_verify}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in VERBS:
        print(f"usage: python -m snf_image {{{','.join(VERBS)}}}", file=sys.stderr)
        return 2
    try:
        VERBS[argv[0]]()
    except Exception as exc:  # Ganeti shows stderr in the job log; exit 1 fails the job
        print(f"snf-image {argv[0]}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
