"""Build a service's Django settings from the one loader (settings.py stays three lines)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from snf_common.conf.common import COMMON_SETTINGS
from snf_common.conf.loader import SettingsError, load_settings
from snf_common.conf.spec import Setting
from snf_common.django.stack import MIDDLEWARE
from snf_common.logging import logging_config


def service_specs(service: str) -> list[Setting]:
    """Settings every service has under its own prefix (ASTAKOS_DATABASE_URL, ...)."""
    prefix = service.upper()
    return [
        Setting(f"{prefix}_DATABASE_URL", str, "",
                "Database: '' for SQLite in STATE_DIR, or postgresql://user:pass@host:port/name.",
                secret=True),
        Setting(f"{prefix}_SECRET_KEY", str, "",
                "Django secret key; '' keeps a random one in STATE_DIR.", secret=True),
        Setting(f"{prefix}_SERVICE_TOKEN", str, "",
                "This service's token at Astakos (for commissions and token checks).",
                secret=True),
        Setting(f"{prefix}_BASE_URL", str, "",
                "Public base URL of this service (scheme://host:port), as clients reach it."),
    ]


def database_from_url(url: str, *, default_sqlite: Path) -> dict[str, Any]:
    if not url:
        url = f"sqlite:///{default_sqlite}"
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path and path != "/:memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path or ":memory:",
                # keep connections: opening one re-runs the PRAGMAs on every request
                "CONN_MAX_AGE": 300, "CONN_HEALTH_CHECKS": True,
                # IMMEDIATE: writers queue on the lock instead of failing on upgrade.
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    if parsed.scheme in ("postgres", "postgresql"):
        return {"ENGINE": "django.db.backends.postgresql",
                "NAME": parsed.path.lstrip("/"), "USER": unquote(parsed.username or ""),
                "PASSWORD": unquote(parsed.password or ""), "HOST": parsed.hostname or "",
                "PORT": str(parsed.port or ""), "CONN_MAX_AGE": 60,
                "OPTIONS": {"connect_timeout": 5}}
    raise SettingsError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} "
                        "(use sqlite:///path or postgresql://...)")


def persistent_secret(path: Path) -> str:
    """A random key created once per state directory, so restarts keep sessions valid.

    Several processes of one service may start at once (migrate beside another
    command): the key is written to a private temporary file and linked into place,
    so exactly one wins and every process reads the complete winner.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process won the race: use its key
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


def service_settings(service: str, specs: list[Setting], *, apps: list[str], urlconf: str,
                     fault_formats: list[tuple[str, str]] | None = None,
                     middleware: list[str] | None = None) -> dict[str, Any]:
    """All Django settings for one service; `specs` are the service's own settings."""
    prefix = service.upper()
    all_specs = COMMON_SETTINGS + service_specs(service) + list(specs)
    values = load_settings(all_specs, prefixes=(prefix + "_",))
    state_dir = Path(values["STATE_DIR"]).resolve()
    values["STATE_DIR"] = str(state_dir)
    secret = values[f"{prefix}_SECRET_KEY"] or persistent_secret(state_dir / f"{service}.secret")
    django: dict[str, Any] = dict(values)
    django.update({
        "SERVICE_NAME": service,
        "SETTING_SPECS": all_specs,
        "SECRET_KEY": secret,
        "SERVICE_TOKEN": values[f"{prefix}_SERVICE_TOKEN"],
        "DEBUG": values["DEBUG"],
        "ALLOWED_HOSTS": ["*"],
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth",
                           "snf_common.django.apps.SnfCommonConfig", *apps],
        "MIDDLEWARE": list(middleware if middleware is not None else MIDDLEWARE),
        "ROOT_URLCONF": urlconf,
        "DATABASES": {"default": database_from_url(values[f"{prefix}_DATABASE_URL"],
                                                   default_sqlite=state_dir / f"{service}.sqlite3")},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "APPEND_SLASH": False,
        "DATA_UPLOAD_MAX_MEMORY_SIZE": None,
        "FILE_UPLOAD_MAX_MEMORY_SIZE": 4 * 1024 * 1024,
        "LOGGING": logging_config(values["LOG_LEVEL"]),
        "FAULT_FORMATS": list(fault_formats or []),
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates",
                       "DIRS": [], "APP_DIRS": True,
                       "OPTIONS": {"context_processors": [
                           "django.template.context_processors.request"]}}],
    })
    return django
