"""snf-deploy: `up`, `down`, `status`, `demo` for a whole cloud on this host."""

from __future__ import annotations

import argparse
import json
import sys

from snf_deploy import DeployError
from snf_deploy.state import DEFAULT_PORT_BASE, resolve_state_dir


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", help="State directory (default $SNF_STATE_DIR or ./var).")
    parser.add_argument("--port-base", type=int, default=None,
                        help=f"First of 5 loopback ports (default: the last one used here, "
                             f"else {DEFAULT_PORT_BASE}).")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snf-deploy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="Write settings, bootstrap, start every process, wait healthy.")
    _common(p_up)
    p_up.add_argument("--config", help="A .conf file with production settings (copied into "
                                       "STATE/etc/50-site.conf).")
    p_up.add_argument("--workers", type=int, default=2, help="gunicorn workers per API (2).")
    p_up.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker (4).")
    p_up.add_argument("--no-devcluster", action="store_true",
                      help="Do not run the development cluster (real Ganeti clusters are "
                           "registered with `cyclades-manage backend-add`).")
    p_up.add_argument("--timeout", type=float, default=60.0,
                      help="Seconds to wait for every process to be healthy (60).")
    p_down = sub.add_parser("down", help="Stop the processes `up` started.")
    _common(p_down)
    p_down.add_argument("--timeout", type=float, default=10.0,
                        help="Seconds between SIGTERM and SIGKILL (10).")
    p_status = sub.add_parser("status", help="Each process, its pid, port and health.")
    _common(p_status)
    p_status.add_argument("-o", "--output", choices=("table", "json"), default="table")
    p_demo = sub.add_parser("demo", help="Run the demo scenario against the running cloud.")
    _common(p_demo)
    return parser


def _table(rows: list[dict]) -> str:
    fields = ["name", "state", "pid", "port", "health"]
    cells = [[("" if row[f] is None else str(row[f])) for f in fields] for row in rows]
    widths = [max([len(f)] + [len(c[i]) for c in cells]) for i, f in enumerate(fields)]
    lines = ["  ".join(f.upper().ljust(w) for f, w in zip(fields, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip() for c in cells]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    state_dir = resolve_state_dir(args.state_dir)
    # Imported here so `snf-deploy --help` stays instant.
    from snf_deploy import demo, deploy

    try:
        if args.command == "up":
            ctx = deploy.up(state_dir, port_base=args.port_base, config=args.config,
                            workers=args.workers, threads=args.threads, timeout=args.timeout,
                            devcluster=not args.no_devcluster)
            print(deploy.summary(ctx))
            return 0
        if args.command == "down":
            deploy.down(state_dir, timeout=args.timeout)
            return 0
        if args.command == "status":
            rows = deploy.status(state_dir, port_base=args.port_base)
            print(json.dumps(rows, indent=2) if args.output == "json" else _table(rows))
            return 0 if rows and all(row["health"] == "ok" for row in rows) else 3
        if args.command == "demo":
            return 0 if demo.run_demo(state_dir, port_base=args.port_base) else 1
    except DeployError as exc:
        print(f"snf-deploy: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("snf-deploy: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
