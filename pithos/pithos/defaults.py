"""Every PITHOS_* setting with its type, default and one line of documentation."""

from snf_common.conf.spec import Setting

APPS: list[str] = ["pithos.objects.apps.ObjectsConfig"]

FAULT_FORMATS = [("/object-store/", "swift")]

SETTINGS = [
    Setting("PITHOS_BLOCK_SIZE", int, 4 * 1024 * 1024, "Block size in bytes (Pithos uses 4 MiB)."),
    Setting("PITHOS_BLOCKSTORE", dict, {},
            'Block store driver {"BACKEND": "dotted.Class", "OPTIONS": {...}}; '
            "{} means the filesystem driver under STATE_DIR/blocks."),
    Setting("PITHOS_UPLOAD_BLOCKS_IN_FLIGHT", int, 4,
            "Blocks of one upload being stored and digested while the next is read "
            "(memory per upload is about this many blocks)."),
    Setting("PITHOS_DIRECT_BODY_READ", bool, True,
            "Under gunicorn, receive upload bodies of known length straight into blocks "
            "(much faster than gunicorn's wsgi.input); False uses wsgi.input."),
    Setting("PITHOS_LIST_LIMIT", int, 10000, "Most items one listing returns."),
    Setting("PITHOS_MAX_METADATA", int, 32, "Most metadata keys per account, container or object."),
    Setting("PITHOS_MAX_GROUPS", int, 32, "Most groups per account."),
    Setting("PITHOS_MAX_GROUP_MEMBERS", int, 32, "Most members per group."),
    Setting("PITHOS_DEFAULT_VERSIONING", str, "auto",
            "Versioning policy of new containers: auto (keep history) or none."),
    Setting("PITHOS_FREE_VERSIONING", bool, True,
            "Older versions do not count toward pithos.diskspace."),
    Setting("PITHOS_QUOTA", str, "astakos",
            "How pithos.diskspace is charged: astakos (commissions) or none (unlimited)."),
    Setting("PITHOS_GC_GRACE_SECONDS", int, 3600,
            "blocks-gc spares unreferenced blocks stored or referenced this recently."),
]
