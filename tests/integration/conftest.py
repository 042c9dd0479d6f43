"""Fixtures for the integration tests: `cloud` (a whole cloud, embedded and production)."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # `tests.fixtures` is importable however pytest was started
    sys.path.insert(0, _ROOT)

from tests.fixtures.cloud import cloud  # noqa: E402,F401
