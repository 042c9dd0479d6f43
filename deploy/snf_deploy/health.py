"""Ask a process whether it is healthy; wait (bounded) until every one is."""

from __future__ import annotations

import time

from snf_deploy import DeployError
from snf_deploy.processes import ProcessSpec
from snf_deploy.state import Layout, Ports
from snf_deploy.supervise import log_tail, owned_pid


def healthy(layout: Layout, ports: Ports, spec: ProcessSpec) -> bool:
    if owned_pid(layout, spec.name) is None:
        return False
    return spec.probe(layout, ports) if spec.probe else True


def wait_healthy(layout: Layout, ports: Ports, specs: list[ProcessSpec], timeout: float) -> None:
    """Return when all answer; raise naming the first that died or never answered."""
    pending = list(specs)
    deadline = time.monotonic() + timeout
    while pending:
        for spec in list(pending):
            if owned_pid(layout, spec.name) is None:
                raise DeployError(f"{spec.name} exited while starting; last lines of "
                                  f"{layout.log_file(spec.name)}:\n{log_tail(layout, spec.name)}")
            if spec.probe is None or spec.probe(layout, ports):
                pending.remove(spec)
        if not pending:
            return
        if time.monotonic() > deadline:
            spec = pending[0]
            port = spec.port_number(ports)
            raise DeployError(f"{spec.name} did not answer {spec.probe_what}"
                              + (f" ({port})" if port else "") + f" within {timeout:.0f}s; "
                              f"last lines of {layout.log_file(spec.name)}:\n"
                              f"{log_tail(layout, spec.name)}")
        time.sleep(0.1)
