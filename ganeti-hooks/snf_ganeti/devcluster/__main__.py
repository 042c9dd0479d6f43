"""python -m snf_ganeti.devcluster --state-dir DIR --port N: run the development cluster.

Prints one line `devcluster ready https://127.0.0.1:<port>` once it serves, and
stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from snf_ganeti.devcluster import programs
from snf_ganeti.devcluster.cluster import (
    Capacity,
    Cluster,
    ClusterPaths,
    default_disk_mib,
    default_memory_mib,
)
from snf_ganeti.devcluster.console import Consoles
from snf_ganeti.devcluster.jobs import JobQueue
from snf_ganeti.devcluster.rapi import Api, RapiServer
from snf_ganeti.devcluster.store import ConfigStore
from snf_ganeti.devcluster.tls import ensure_self_signed

log = logging.getLogger("snf_ganeti.devcluster")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m snf_ganeti.devcluster",
                                     description="A one-node Ganeti look-alike for development.")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--port", type=int, default=8703, help="0 picks a free port")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--cert", help="PEM certificate (default: self-signed in the state dir)")
    parser.add_argument("--key", help="PEM private key")
    parser.add_argument("--no-tls", action="store_true", help="plain HTTP (tests only)")
    parser.add_argument("--user", default=os.environ.get("SNF_DEVCLUSTER_USER", "snf"))
    parser.add_argument("--password", default=os.environ.get("SNF_DEVCLUSTER_PASSWORD",
                                                             "snfpass"))
    parser.add_argument("--cluster-name", default="cluster.snf.local")
    parser.add_argument("--node-name", default="node1.snf.local")
    parser.add_argument("--memory-mib", type=int, default=None)
    parser.add_argument("--disk-mib", type=int, default=None)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--os-dir", action="append", type=Path, default=[],
                        help="extra OS definition dir (like /srv/ganeti/os); repeatable")
    parser.add_argument("--extstorage-dir", action="append", type=Path, default=[],
                        help="ExtStorage providers dir (like /srv/ganeti/extstorage); repeatable")
    parser.add_argument("--progress-monitor", default=f"{sys.executable} -m snf_ganeti.progress",
                        help="PROGRESS_MONITOR given to the OS definition ('' for none)")
    parser.add_argument("--no-hooks", action="store_true",
                        help="do not install the snf hook into the hooks dir")
    parser.add_argument("--no-consoles", action="store_true",
                        help="no RFB console per running instance (GET .../console says so)")
    parser.add_argument("--with-eventd", action="store_true",
                        help="also follow the job queue and publish (snf-ganeti-eventd in-process)")
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> tuple[Cluster, JobQueue]:
    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    paths = ClusterPaths(state_dir=state_dir,
                         os_dirs=[*args.os_dir, state_dir / "os"],
                         extstorage_dirs=[*args.extstorage_dir, state_dir / "extstorage"],
                         progress_monitor=args.progress_monitor)
    paths.data_dir.mkdir(exist_ok=True)
    (paths.data_dir / "ssconf_cluster_name").write_text(args.cluster_name + "\n")
    if not args.no_hooks:
        programs.install_hooks(paths.hooks_dir)
    capacity = Capacity(memory_mib=args.memory_mib or default_memory_mib(),
                        disk_mib=args.disk_mib or default_disk_mib(state_dir), cpus=args.cpus)
    store = ConfigStore(paths.data_dir / "config.json", args.cluster_name, args.node_name)
    cluster = Cluster(store, paths, capacity)
    if not getattr(args, "no_consoles", False):
        cluster.consoles = Consoles(args.bind)
    jobs = JobQueue(paths.queue_dir, cluster.run)
    return cluster, jobs


def start_eventd(queue_dir: Path, stop: threading.Event) -> threading.Thread:
    from snf_ganeti import settings as gtools_settings
    from snf_ganeti.eventd import EventDaemon
    from snf_ganeti.notify import notifier_from_settings

    conf = gtools_settings.load()
    daemon = EventDaemon(queue_dir, notifier_from_settings(conf, retries=None),
                         conf["GTOOLS_EVENTD_STATE"], conf["GTOOLS_BACKEND_PREFIX"])
    thread = threading.Thread(target=daemon.run, args=(stop.is_set, conf["GTOOLS_POLL_SECONDS"]),
                              name="devcluster-eventd", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=os.environ.get("SNF_LOG_LEVEL", "INFO"),
                        format="%(asctime)s devcluster %(levelname)s %(name)s %(message)s")
    cluster, jobs = build(args)
    cert = key = None
    if not args.no_tls:
        cert, key = args.cert, args.key
        if not cert:
            cert_path, key_path = cluster.paths.state_dir / "rapi.pem", \
                cluster.paths.state_dir / "rapi.key"
            ensure_self_signed(cert_path, key_path, args.cluster_name)
            cert, key = str(cert_path), str(key_path)
    server = RapiServer((args.bind, args.port), Api(cluster, jobs), {args.user: args.password},
                        cert, key)
    jobs.start()
    stop = threading.Event()
    if args.with_eventd:
        start_eventd(cluster.paths.queue_dir, stop)

    def shutdown(*_: object) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    scheme = "http" if args.no_tls else "https"
    port = server.server_address[1]
    (cluster.paths.state_dir / "rapi.port").write_text(f"{port}\n")
    print(f"devcluster ready {scheme}://{args.bind}:{port}", flush=True)
    server.serve_forever()
    server.server_close()
    jobs.stop()
    if cluster.consoles is not None:
        cluster.consoles.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
