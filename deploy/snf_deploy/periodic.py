"""Run a command every N seconds until SIGTERM: `python -m snf_deploy.periodic --every 300 -- CMD...`.

snf-deploy uses it for periodic reconciliation; each run's output goes to our stdout
(the process log), with the exit status.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="snf_deploy.periodic")
    parser.add_argument("--every", type=float, required=True, help="Seconds between runs.")
    parser.add_argument("--timeout", type=float, default=600.0, help="Limit of one run.")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # The first run waits one interval: `up` has just bootstrapped everything.
    while not stop.wait(args.every):
        started = time.monotonic()
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
            output, code = (result.stdout + result.stderr).rstrip(), result.returncode
        except subprocess.TimeoutExpired:
            output, code = f"timed out after {args.timeout:.0f}s", -1
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        print(f"--- {stamp} exit {code} in {time.monotonic() - started:.1f}s", flush=True)
        if output:
            print(output, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
