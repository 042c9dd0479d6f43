"""Fixtures shared by the contract suites."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # `tests.fixtures` is importable however pytest was started
    sys.path.insert(0, _ROOT)

from tests.fixtures.ceph import ceph_cluster, rados_blockstore_config  # noqa: E402,F401
