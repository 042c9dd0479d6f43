"""The deployment request: Ganeti's OS environment (OSP_*, DISK_*, INSTANCE_*) and,
when config_url is given, the JSON document it points at (which wins)."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("diskdump", "extdump", "ntfsdump")
DEFAULT_FILE_MODE = 0o440  # snf-image's default for personality files (288)
PARAM_NAMES = ("img_id", "img_format", "img_passwd", "img_passwd_hash", "img_properties",
               "img_personality", "auth_keys")


class ParamError(ValueError):
    """The OS parameters are missing or malformed (the job fails with this message)."""


@dataclass(frozen=True)
class PersonalityFile:
    path: str
    contents: bytes
    owner: str | int = "root"
    group: str | int = "root"
    mode: int = DEFAULT_FILE_MODE


@dataclass(frozen=True)
class DeployParams:
    instance: str
    img_id: str
    img_format: str
    disk_path: str | None
    disk_uri: str | None
    disk_size_bytes: int | None
    passwd: str | None = None
    passwd_hash: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    personality: tuple[PersonalityFile, ...] = ()
    auth_keys: tuple[str, ...] = ()

    def prop(self, name: str, default: Any = None) -> Any:
        """Image properties are case-insensitive."""
        for key, value in self.properties.items():
            if key.upper() == name.upper():
                return value
        return default

    def prop_bool(self, name: str) -> bool:
        return str(self.prop(name, "no")).strip().lower() in ("yes", "true", "1", "on", "set")


def _json_value(raw: Any, name: str, kind: type) -> Any:
    if isinstance(raw, str):
        if not raw.strip():
            return kind()
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ParamError(f"{name}: not valid JSON") from None
    if not isinstance(raw, kind):
        raise ParamError(f"{name}: expected a JSON {kind.__name__}")
    return raw


def _personality(raw: Any) -> tuple[PersonalityFile, ...]:
    files = []
    for entry in _json_value(raw, "img_personality", list):
        if not isinstance(entry, dict) or "path" not in entry:
            raise ParamError("img_personality: each entry needs a path")
        if not str(entry["path"]).startswith("/"):
            raise ParamError(f"img_personality: {entry['path']!r} is not absolute")
        try:
            contents = base64.b64decode(entry.get("contents", ""), validate=True)
        except ValueError:
            raise ParamError(f"img_personality: {entry['path']}: contents not base64") from None
        files.append(PersonalityFile(path=entry["path"], contents=contents,
                                     owner=entry.get("owner", "root"),
                                     group=entry.get("group", "root"),
                                     mode=int(entry.get("mode", DEFAULT_FILE_MODE))))
    return tuple(files)


def fetch_config(url: str, timeout: float) -> dict[str, Any]:
    """The JSON object at config_url (Cyclades serves it once, with the secrets)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (operator URL)
            data = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise ParamError(f"config_url: cannot fetch: {exc}") from None
    if not isinstance(data, dict):
        raise ParamError("config_url: the document is not a JSON object")
    return data


def osparams(environ: Mapping[str, str]) -> dict[str, Any]:
    """OSP_IMG_ID=... -> {"img_id": ...}."""
    return {key[4:].lower(): value for key, value in environ.items() if key.startswith("OSP_")}


def parse_params(environ: Mapping[str, str], config_timeout: float = 30.0) -> DeployParams:
    raw = osparams(environ)
    if raw.get("config_url"):
        raw.update({k: v for k, v in fetch_config(raw["config_url"], config_timeout).items()
                    if k in PARAM_NAMES})
    img_id = raw.get("img_id") or ""
    if not img_id:
        raise ParamError("img_id: missing")
    img_format = (raw.get("img_format") or "diskdump").lower()
    if img_format not in FORMATS:
        raise ParamError(f"img_format: {img_format!r} is not one of {', '.join(FORMATS)}")
    if raw.get("img_passwd") and raw.get("img_passwd_hash"):
        raise ParamError("img_passwd and img_passwd_hash exclude each other")
    keys = raw.get("auth_keys") or ""
    if isinstance(keys, list):
        keys = "\n".join(keys)
    size_mib = environ.get("DISK_0_SIZE")
    return DeployParams(
        instance=environ.get("INSTANCE_NAME", ""),
        img_id=img_id,
        img_format=img_format,
        disk_path=environ.get("DISK_0_PATH") or None,
        disk_uri=environ.get("DISK_0_URI") or None,
        disk_size_bytes=int(size_mib) * 1024 * 1024 if size_mib and size_mib.isdigit() else None,
        passwd=raw.get("img_passwd") or None,
        passwd_hash=raw.get("img_passwd_hash") or None,
        properties=_json_value(raw.get("img_properties", ""), "img_properties", dict),
        personality=_personality(raw.get("img_personality", "")),
        auth_keys=tuple(line.strip() for line in str(keys).splitlines() if line.strip()),
    )
