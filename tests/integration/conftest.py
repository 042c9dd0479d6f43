"""Integration tests: `cloud` comes from tests/conftest.py; this makes `tests.*` importable."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # `tests.fixtures` is importable however pytest was started
    sys.path.insert(0, _ROOT)

