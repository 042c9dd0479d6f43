"""Build a service's settings: built-in defaults -> SNF_SETTINGS_DIR/*.conf -> SNF_* env.

A `.conf` file holds Python literal assignments, one per line or spread over
several (``PITHOS_BLOCK_SIZE = 4194304``). Files are read in name order; a later
file wins. Only literals are accepted (no code is executed), so a settings
directory can be shared by every service on a host: each service checks the
names that belong to it (its prefixes) and ignores the rest.

The environment wins over files: ``SNF_PITHOS_BLOCK_SIZE=4194304``.
A wrong value stops the start with a message that names the setting.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from snf_common.conf.spec import Setting, SettingValueError

ENV_PREFIX = "SNF_"
SETTINGS_DIR_ENV = "SNF_SETTINGS_DIR"


class SettingsError(Exception):
    """A setting has a bad value or an unknown name; the message names it."""


def read_conf_file(path: Path) -> dict[str, Any]:
    """Parse one .conf file into {NAME: value}; only literal assignments are allowed."""
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except SyntaxError as exc:
        raise SettingsError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    values: dict[str, Any] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            raise SettingsError(f"{path}:{node.lineno}: only 'NAME = literal' lines are allowed")
        name = node.targets[0].id
        try:
            values[name] = ast.literal_eval(node.value)
        except ValueError:
            raise SettingsError(f"{path}:{node.lineno}: {name}: value must be a literal") from None
    return values


def settings_files(settings_dir: str | None) -> list[Path]:
    if not settings_dir:
        return []
    folder = Path(settings_dir)
    if not folder.is_dir():
        raise SettingsError(f"{SETTINGS_DIR_ENV}: {settings_dir} is not a directory")
    return sorted(folder.glob("*.conf"))


def load_settings(
    specs: Iterable[Setting],
    *,
    prefixes: Iterable[str],
    environ: Mapping[str, str] | None = None,
    settings_dir: str | None = None,
) -> dict[str, Any]:
    """Return {NAME: value} for every declared setting.

    `prefixes` names the settings this caller owns (``("PITHOS_", "SNF_")``): an
    unknown name with one of them, in a file or in the environment, is an error
    (a typo must not be silently ignored); other names belong to other services.
    """
    environ = os.environ if environ is None else environ
    if settings_dir is None:
        settings_dir = environ.get(SETTINGS_DIR_ENV)
    declared = {spec.name: spec for spec in specs}
    owned = tuple(prefixes)
    values = {name: spec.default for name, spec in declared.items()}

    for path in settings_files(settings_dir):
        for name, raw in read_conf_file(path).items():
            spec = declared.get(name)
            if spec is None:
                if name.startswith(owned):
                    raise SettingsError(f"{path}: {name}: unknown setting")
                continue
            try:
                values[name] = spec.coerce(raw)
            except SettingValueError as exc:
                raise SettingsError(f"{name}: {exc} (in {path})") from None

    for env_name, text in environ.items():
        if not env_name.startswith(ENV_PREFIX) or env_name == SETTINGS_DIR_ENV:
            continue
        name = env_name[len(ENV_PREFIX):]
        spec = declared.get(name)
        if spec is None:
            continue
        try:
            values[name] = spec.parse(text)
        except SettingValueError as exc:
            raise SettingsError(f"{name}: {exc} (from ${env_name})") from None
    return values


def apply_settings(namespace: dict[str, Any], specs: Iterable[Setting], *,
                   prefixes: Iterable[str]) -> dict[str, Any]:
    """Load settings and place them in a module namespace (a Django settings module)."""
    values = load_settings(specs, prefixes=prefixes)
    namespace.update(values)
    return values
