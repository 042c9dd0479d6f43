"""Fixtures for the end-to-end security tests: the session `cloud` (tests.fixtures.cloud)
and a factory of users made in it with `astakos-manage bootstrap-demo`."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # `tests.fixtures` is importable however pytest was started
    sys.path.insert(0, _ROOT)

from tests.e2e.e2e_helpers import CloudUser  # noqa: E402


@pytest.fixture(scope="session")
def make_user() -> Callable[[Any, str], CloudUser]:
    def make(running_cloud, role: str) -> CloudUser:
        return CloudUser(running_cloud, f"{role}{secrets.token_hex(3)}")
    return make
