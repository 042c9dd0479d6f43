"""Settings of the OS definition (one loader; /etc/synnefo when SNF_SETTINGS_DIR is unset,
because Ganeti runs OS scripts with a clean environment)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from snf_common.conf import Setting, load_settings

DEFAULT_SETTINGS_DIR = "/etc/synnefo"

IMAGE_SETTINGS = [
    Setting("SNF_IMAGE_DIR", str, "/var/lib/snf-image",
            "Where local image names (img_id 'name' or 'local://name') are looked up."),
    Setting("SNF_IMAGE_BLOCKSTORE", dict, {},
            "Block store holding Pithos blocks and maps for pithosmap:// images, as "
            "{'BACKEND': 'archipelago.blockstore.<driver>.<Class>', 'OPTIONS': {...}}."),
    Setting("SNF_IMAGE_SOURCES", list, [],
            "Extra image source classes (dotted paths), tried before the built-in ones."),
    Setting("SNF_IMAGE_PROGRESS_MONITOR", str, "",
            "Command given progress events on stdin (its argument: the instance name); "
            "the PROGRESS_MONITOR environment variable wins."),
    Setting("SNF_IMAGE_CONFIG_URL_TIMEOUT", float, 30.0,
            "Seconds to wait for the config_url document."),
]


def load(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    settings_dir = environ.get("SNF_SETTINGS_DIR")
    if settings_dir is None and Path(DEFAULT_SETTINGS_DIR).is_dir():
        settings_dir = DEFAULT_SETTINGS_DIR
    return load_settings(IMAGE_SETTINGS, prefixes=("SNF_IMAGE_",), environ=environ,
                         settings_dir=settings_dir or "")
