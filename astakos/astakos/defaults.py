"""Every ASTAKOS_* setting with its type, default and one line of documentation."""

from snf_common.conf.spec import Setting

APPS: list[str] = []

FAULT_FORMATS = [("/identity/", "keystone")]

SETTINGS = [
    Setting("ASTAKOS_TOKEN_TTL_SECONDS", int, 24 * 3600, "Lifetime of an issued user token."),
]
