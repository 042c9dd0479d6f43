"""Pid files: a pid is ours only if /proc shows our command line and start time."""

import os
import subprocess
import sys
import time

from snf_deploy import supervise
from snf_deploy.state import Layout

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def layout(tmp_path):
    lay = Layout(tmp_path)
    lay.create()
    return lay


def test_start_records_pid_and_stop_terminates_it(tmp_path):
    lay = layout(tmp_path)
    pid = supervise.start(lay, "sleeper", SLEEPER, dict(os.environ))
    assert lay.pid_file("sleeper").read_text().strip() == str(pid)
    assert supervise.owned_pid(lay, "sleeper") == pid
    assert supervise.stop(lay, "sleeper", timeout=5) == pid
    assert not supervise.is_running(pid)
    assert not lay.pid_file("sleeper").exists()
    assert supervise.owned_pid(lay, "sleeper") is None


def test_a_recycled_pid_is_not_ours(tmp_path):
    lay = layout(tmp_path)
    stranger = subprocess.Popen(SLEEPER)
    try:
        # A pid file that points at a process we did not start (another command line).
        pid = supervise.start(lay, "mine", [sys.executable, "-c", "import time; time.sleep(61)"],
                              dict(os.environ))
        supervise.stop(lay, "mine", timeout=5)
        lay.pid_file("mine").write_text(f"{stranger.pid}\n")
        (lay.run / "mine.proc").write_text(
            f'{{"argv": ["x"], "start_time": "{supervise.start_time(pid)}"}}')
        assert supervise.owned_pid(lay, "mine") is None
        assert supervise.stop(lay, "mine") is None
        assert stranger.poll() is None, "a process we did not start was signalled"
    finally:
        stranger.kill()
        stranger.wait()


def test_same_command_but_other_start_time_is_not_ours(tmp_path):
    lay = layout(tmp_path)
    pid = supervise.start(lay, "s", SLEEPER, dict(os.environ))
    try:
        record = (lay.run / "s.proc").read_text().replace(supervise.start_time(pid), "1")
        (lay.run / "s.proc").write_text(record)
        assert supervise.owned_pid(lay, "s") is None
        assert supervise.is_running(pid)
    finally:
        os.kill(pid, 9)


def test_stop_kills_a_process_that_ignores_sigterm_and_its_children(tmp_path):
    lay = layout(tmp_path)
    stubborn = ("import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
                "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
                "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)']);"
                "print('ready', flush=True); time.sleep(60)")
    pid = supervise.start(lay, "stubborn", [sys.executable, "-c", stubborn], dict(os.environ))
    deadline = time.monotonic() + 10
    while "ready" not in lay.log_file("stubborn").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    assert supervise.stop(lay, "stubborn", timeout=0.5) == pid
    assert time.monotonic() - started < 8
    assert not supervise.is_running(pid)
    assert supervise.group_members(pid) == [], "the child of the stopped process survived"


def test_log_tail_shows_the_last_lines(tmp_path):
    lay = layout(tmp_path)
    lay.log_file("x").write_text("\n".join(f"line {i}" for i in range(40)) + "\n")
    tail = supervise.log_tail(lay, "x", lines=3)
    assert tail == "line 37\nline 38\nline 39"
    assert supervise.log_tail(lay, "missing") == "(no log)"


def test_stop_all_stops_several_at_once(tmp_path):
    lay = layout(tmp_path)
    pids = {name: supervise.start(lay, name, SLEEPER, dict(os.environ)) for name in "abc"}
    started = time.monotonic()
    assert supervise.stop_all(lay, ["a", "b", "c", "never-started"], timeout=5) == pids
    assert time.monotonic() - started < 3
    assert not any(supervise.is_running(pid) for pid in pids.values())
