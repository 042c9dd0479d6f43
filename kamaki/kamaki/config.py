"""The kamaki config file: INI, compatible with the original kamaki's keys.

    [global]
    default_cloud = demo

    [cloud "demo"]
    url = http://127.0.0.1:8700/identity/v3
    token = <token>

The path is $KAMAKI_CONFIG, else ~/.config/kamaki/config, else ~/.kamakirc
(the original kamaki's file); new files are written to ~/.config/kamaki/config.
"""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path

from kamaki.errors import CliError, ExitCode

CLOUD_SECTION = re.compile(r'^cloud\s+"(.+)"$')


def config_path() -> Path:
    if os.environ.get("KAMAKI_CONFIG"):
        return Path(os.environ["KAMAKI_CONFIG"]).expanduser()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "kamaki" / "config"
    legacy = Path.home() / ".kamakirc"
    if not xdg.exists() and legacy.exists():
        return legacy
    return xdg


class Config:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_path()
        self.parser = configparser.ConfigParser(interpolation=None)
        if self.path.exists():
            try:
                self.parser.read(self.path, encoding="utf-8")
            except configparser.Error as exc:
                raise CliError(f"cannot parse {self.path}: {exc}", ExitCode.CONFIG) from None

    def clouds(self) -> dict[str, dict[str, str]]:
        found = {}
        for section in self.parser.sections():
            match = CLOUD_SECTION.match(section)
            if match:
                found[match.group(1)] = dict(self.parser.items(section))
        return found

    def get(self, section: str, key: str, default: str = "") -> str:
        return self.parser.get(section, key, fallback=default)

    @property
    def default_cloud(self) -> str:
        return self.get("global", "default_cloud")

    def cloud(self, name: str | None = None) -> tuple[str, dict[str, str]]:
        """(name, settings) of the chosen cloud: `name`, the default, or the only one."""
        clouds = self.clouds()
        name = name or self.default_cloud or (next(iter(clouds)) if len(clouds) == 1 else "")
        if not name:
            raise CliError(f"no cloud configured in {self.path}: run `kamaki config set "
                           f"cloud.NAME.url URL` and `... cloud.NAME.token TOKEN`",
                           ExitCode.CONFIG)
        if name not in clouds:
            raise CliError(f"cloud {name!r} is not in {self.path}", ExitCode.CONFIG)
        settings = clouds[name]
        if not settings.get("url"):
            raise CliError(f"cloud {name!r} has no url in {self.path}", ExitCode.CONFIG)
        return name, settings

    def set(self, section: str, key: str, value: str) -> None:
        if not self.parser.has_section(section):
            self.parser.add_section(section)
        self.parser.set(section, key, value)

    def remove(self, section: str, key: str) -> bool:
        return self.parser.has_section(section) and self.parser.remove_option(section, key)

    def set_cloud(self, name: str, key: str, value: str) -> None:
        self.set(f'cloud "{name}"', key, value)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        # The file holds tokens: never readable by others.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            self.parser.write(out)
        os.replace(tmp, self.path)


def split_key(dotted: str) -> tuple[str, str]:
    """`global.default_cloud` -> ("global", ...); `cloud.NAME.token` -> ('cloud "NAME"', ...)."""
    parts = dotted.split(".")
    if len(parts) == 2 and parts[0] == "global":
        return "global", parts[1]
    if len(parts) >= 3 and parts[0] == "cloud":
        return f'cloud "{".".join(parts[1:-1])}"', parts[-1]
    raise CliError(f"bad key {dotted!r}: use global.KEY or cloud.NAME.KEY", ExitCode.USAGE)
