"""Entry point shared by astakos-manage, pithos-manage and cyclades-manage."""

from __future__ import annotations

import os
import sys


def run(settings_module: str, argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    from snf_common.conf.loader import SettingsError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv or sys.argv)
    except SettingsError as exc:
        sys.stderr.write(f"error: bad setting: {exc}\n")
        raise SystemExit(2) from None
