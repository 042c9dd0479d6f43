"""Every CYCLADES_* setting with its type, default and one line of documentation."""

from snf_common.conf.spec import Setting

APPS: list[str] = []

FAULT_FORMATS: list[tuple[str, str]] = []

SETTINGS = [
    Setting("CYCLADES_RECONCILE_INTERVAL_SECONDS", int, 300,
            "How often snf-deploy runs server reconciliation."),
]
