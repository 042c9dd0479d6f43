"""The one settings loader: defaults, then *.conf files, then SNF_* environment."""

from snf_common.conf.loader import SettingsError, load_settings
from snf_common.conf.spec import Setting

__all__ = ["Setting", "SettingsError", "load_settings"]
