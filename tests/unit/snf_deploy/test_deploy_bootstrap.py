"""The bootstrap runner: stages in order, commands of a stage in parallel, outputs in order."""

import os
import subprocess
import sys
import time

import pytest

from snf_deploy import DeployError, processes
from snf_deploy.commands import Command
from snf_deploy.processes import BootstrapStep, Context, run_bootstrap
from snf_deploy.state import Layout, Ports


def py(label, code):
    return Command(label, [sys.executable, "-c", code])


@pytest.fixture
def ctx(tmp_path):
    layout = Layout(tmp_path)
    layout.create()
    return Context(layout=layout, ports=Ports(9000), env=dict(os.environ), say=lambda s: None)


def test_stages_run_in_order_and_outputs_reach_their_step(ctx, monkeypatch):
    seen = {}
    sleep = "import time; time.sleep(0.6); print('{}')"
    steps = [
        BootstrapStep("b", lambda c: [py("b1", sleep.format("b1")), py("b2", sleep.format("b2"))],
                      lambda c, out: seen.update(b=out), stage=0),
        BootstrapStep("a", lambda c: [py("a1", sleep.format("a1"))],
                      lambda c, out: seen.update(a=out), stage=0),
        BootstrapStep("late", lambda c: [py("c", f"print({seen.get('a')!r} is not None)")],
                      lambda c, out: seen.update(late=out), stage=1),
        BootstrapStep("local", lambda c: [], lambda c, out: seen.update(local=out), stage=1),
        BootstrapStep("after", lambda c: [py("x", "print('x')")],
                      lambda c, out: seen.update(after=out), phase="after"),
    ]
    monkeypatch.setattr(processes, "BOOTSTRAP", steps)
    started = time.monotonic()
    run_bootstrap(ctx, "before")
    assert time.monotonic() - started < 1.7, "stage 0 commands did not run in parallel"
    assert seen == {"b": ["b1\n", "b2\n"], "a": ["a1\n"], "late": ["True\n"], "local": []}
    run_bootstrap(ctx, "after")
    assert seen["after"] == ["x\n"]


def test_a_failing_command_is_named_with_its_error_line(ctx, monkeypatch):
    failing = "import sys; sys.stderr.write('noise\\nerror: bad setting: X: y\\n'); sys.exit(2)"
    monkeypatch.setattr(processes, "BOOTSTRAP", [
        BootstrapStep("bad", lambda c: [py("pithos-manage migrate", failing)])])
    with pytest.raises(DeployError, match=r"^pithos-manage migrate failed: error: bad setting: X: y$"):
        run_bootstrap(ctx, "before")
    assert "error: bad setting" in ctx.layout.log_file("bootstrap").read_text()


def test_periodic_runs_the_command_and_stops_on_sigterm(tmp_path):
    marker = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-m", "snf_deploy.periodic", "--every", "0.1", "--",
                             sys.executable, "-c",
                             f"open({str(marker)!r}, 'a').write('x'); print('ran')"],
                            stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while (not marker.exists() or len(marker.read_text()) < 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert len(marker.read_text()) >= 2
    assert "exit 0" in out and "ran" in out
