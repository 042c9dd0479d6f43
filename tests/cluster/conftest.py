"""Fixtures for the tests that need a Ganeti cluster.

`rapi_cluster` is parametrised over every implementation of Ganeti's RAPI we have: the
real Ganeti cluster (tests/fixtures/ganeti.py) and, once it is in the tree, the
development cluster (snf_ganeti.devcluster). A contract test written against it runs
once per implementation, so both must answer the same.
"""

import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # `tests.fixtures` is importable however pytest was started
    sys.path.insert(0, _ROOT)

from tests.fixtures.ganeti import (  # noqa: E402,F401
    RapiCluster,
    dev_cluster,
    devcluster_available,
    ganeti_cluster,
)

IMPLEMENTATIONS = ["ganeti", *(["devcluster"] if devcluster_available() else [])]


@pytest.fixture(scope="session", params=IMPLEMENTATIONS)
def rapi_cluster(request) -> RapiCluster:
    name = "ganeti_cluster" if request.param == "ganeti" else "dev_cluster"
    return request.getfixturevalue(name)
