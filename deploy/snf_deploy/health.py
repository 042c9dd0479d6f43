"""Ask a process whether it is healthy; wait (bounded) until every one is."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from snf_deploy import DeployError
from snf_deploy.processes import ProcessSpec
from snf_deploy.state import Layout, Ports
from snf_deploy.supervise import log_tail, owned_pid


def probe(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def healthy(layout: Layout, ports: Ports, spec: ProcessSpec) -> bool:
    if owned_pid(layout, spec.name) is None:
        return False
    url = spec.health_url(ports)
    return probe(url) if url else True


def wait_healthy(layout: Layout, ports: Ports, specs: list[ProcessSpec], timeout: float) -> None:
    """Return when all answer; raise naming the first that died or never answered."""
    pending = list(specs)
    deadline = time.monotonic() + timeout
    while pending:
        for spec in list(pending):
            if owned_pid(layout, spec.name) is None:
                raise DeployError(f"{spec.name} exited while starting; last lines of "
                                  f"{layout.log_file(spec.name)}:\n{log_tail(layout, spec.name)}")
            url = spec.health_url(ports)
            if url is None or probe(url, timeout=1.0):
                pending.remove(spec)
        if not pending:
            return
        if time.monotonic() > deadline:
            spec = pending[0]
            raise DeployError(f"{spec.name} did not answer {spec.health_url(ports)} within "
                              f"{timeout:.0f}s; last lines of {layout.log_file(spec.name)}:\n"
                              f"{log_tail(layout, spec.name)}")
        time.sleep(0.1)
