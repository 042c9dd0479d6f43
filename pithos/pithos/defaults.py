"""Every PITHOS_* setting with its type, default and one line of documentation."""

from snf_common.conf.spec import Setting

APPS: list[str] = []

FAULT_FORMATS = [("/object-store/", "swift")]

SETTINGS = [
    Setting("PITHOS_BLOCK_SIZE", int, 4 * 1024 * 1024, "Block size in bytes (Pithos uses 4 MiB)."),
]
