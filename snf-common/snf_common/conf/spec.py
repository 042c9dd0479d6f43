"""Declaring a setting: its name, type, default and one line of documentation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingValueError(ValueError):
    """A value does not fit the declared type of its setting."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    doc: str
    secret: bool = False

    def coerce(self, value: Any) -> Any:
        """Check a value from a .conf file (already a Python literal)."""
        if value is None and self.default is None:
            return None
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if self.type is int and isinstance(value, bool):
            raise SettingValueError(f"expected int, got {value!r}")
        if not isinstance(value, self.type):
            raise SettingValueError(f"expected {self.type.__name__}, got {value!r}")
        return value

    def parse(self, text: str) -> Any:
        """Turn the text of an environment variable into a value of the declared type."""
        if self.type is str:
            return text
        if self.type is bool:
            lowered = text.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise SettingValueError(f"expected bool, got {text!r}")
        if self.type in (int, float):
            try:
                return self.type(text.strip())
            except ValueError:
                raise SettingValueError(f"expected {self.type.__name__}, got {text!r}") from None
        # lists and dicts come as JSON in the environment
        try:
            value = json.loads(text)
        except ValueError:
            raise SettingValueError(f"expected {self.type.__name__} as JSON, got {text!r}") from None
        return self.coerce(value)
