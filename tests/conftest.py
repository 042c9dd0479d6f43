"""Fixtures shared across test folders.

`cloud` (a whole cloud brought up by snf-deploy, embedded and production) is defined
once here so that tests/integration and tests/e2e, run in one pytest process, share
one cloud per variant instead of starting their own.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:  # `tests.fixtures` is importable however pytest was started
    sys.path.insert(0, _ROOT)

from tests.fixtures.cloud import cloud  # noqa: E402,F401
