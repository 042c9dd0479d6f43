"""The RAPI v2 subset over HTTPS with basic auth: one route table, each handler
parses the request, reads the configuration or submits a job, and answers JSON
(a job id as a bare number for every change, like Ganeti)."""

from __future__ import annotations

import base64
import hmac
import html
import json
import logging
import re
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from snf_ganeti.devcluster import opcodes, programs, views
from snf_ganeti.devcluster.cluster import HYPERVISOR, Cluster
from snf_ganeti.devcluster.jobs import JobQueue, rapi_job, unknown_job

log = logging.getLogger(__name__)

FEATURES = ["instance-reinstall-reqv1", "instance-create-reqv1", "node-migrate-reqv1",
            "node-evac-res1"]
MAX_BODY_BYTES = 1 << 20
WAIT_SECONDS = 10.0
HANDSHAKE_TIMEOUT_SECONDS = 30


class HttpError(Exception):
    """An error answer laid out as Ganeti's: the reason in `message` (HTML-escaped),
    the standard text of the status code in `explain`."""

    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        short, long = BaseHTTPRequestHandler.responses.get(code, ("Error", ""))
        self.code, self.message, self.explain = code, message or short, long

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": html.escape(self.message, quote=True),
                "explain": self.explain}


def bad_request(reason: str) -> HttpError:
    return HttpError(400, reason)


def not_found() -> HttpError:
    # Ganeti answers an unknown object like an unknown path
    return HttpError(404)


class Api:
    """The handlers; each gets (match groups, query, body) and returns JSON-able data."""

    def __init__(self, cluster: Cluster, jobs: JobQueue):
        self.cluster, self.jobs = cluster, jobs
        self.routes: list[tuple[str, re.Pattern, Callable]] = []
        for method, pattern, handler in [
            ("GET", r"/version", lambda *_, **__: 2),
            ("GET", r"/2/features", lambda *_, **__: FEATURES),
            ("GET", r"/2/info", self.get_info),
            ("GET", r"/2/os", lambda *_, **__: programs.list_os(self.cluster.paths.os_dirs)),
            ("GET", r"/2/nodes", self.get_nodes),
            ("GET", r"/2/nodes/([^/]+)", self.get_node),
            ("GET", r"/2/groups", self.get_groups),
            ("GET", r"/2/groups/([^/]+)", self.get_group),
            ("GET", r"/2/instances", self.get_instances),
            ("POST", r"/2/instances", self.create_instance),
            ("GET", r"/2/instances/([^/]+)", self.get_instance),
            ("DELETE", r"/2/instances/([^/]+)", self.delete_instance),
            ("PUT", r"/2/instances/([^/]+)/startup", self.startup),
            ("PUT", r"/2/instances/([^/]+)/shutdown", self.shutdown),
            ("POST", r"/2/instances/([^/]+)/reboot", self.reboot),
            ("PUT", r"/2/instances/([^/]+)/modify", self.modify),
            ("POST", r"/2/instances/([^/]+)/disk/(\d+)/grow", self.grow_disk),
            ("GET", r"/2/instances/([^/]+)/console", self.console),
            ("GET", r"/2/instances/([^/]+)/info", self.instance_info),
            ("GET", r"/2/instances/([^/]+)/tags", self.get_instance_tags),
            ("PUT", r"/2/instances/([^/]+)/tags", self.add_instance_tags),
            ("DELETE", r"/2/instances/([^/]+)/tags", self.delete_instance_tags),
            ("GET", r"/2/tags", lambda *_, **__: self.cluster.store.cluster["tags"]),
            ("PUT", r"/2/tags", self.add_cluster_tags),
            ("DELETE", r"/2/tags", self.delete_cluster_tags),
            ("GET", r"/2/jobs", self.get_jobs),
            ("GET", r"/2/jobs/(\d+)", self.get_job),
            ("DELETE", r"/2/jobs/(\d+)", self.cancel_job),
            ("GET", r"/2/jobs/(\d+)/wait", self.wait_job),
            ("PUT", r"/2/jobs/(\d+)/wait", self.wait_job),
            ("GET", r"/2/networks", self.get_networks),
            ("POST", r"/2/networks", self.create_network),
            ("GET", r"/2/networks/([^/]+)", self.get_network),
            ("DELETE", r"/2/networks/([^/]+)", self.delete_network),
            ("PUT", r"/2/networks/([^/]+)/connect", self.connect_network),
            ("PUT", r"/2/networks/([^/]+)/disconnect", self.disconnect_network),
            ("PUT", r"/2/networks/([^/]+)/modify", self.modify_network),
        ]:
            self.routes.append((method, re.compile(pattern + "$"), handler))

    def dispatch(self, method: str, path: str, query: dict, body: Any) -> Any:
        allowed = False
        for route_method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match:
                allowed = True
                if route_method == method:
                    return handler(*match.groups(), query=query, body=body)
        if allowed:
            raise HttpError(501, f"Method {method} is unsupported for path {path}")
        raise not_found()

    # -- helpers ----------------------------------------------------------
    @staticmethod
    def _bulk(query: dict) -> bool:
        return query.get("bulk", ["0"])[-1] in ("1", "true", "True")

    def _instance(self, name: str) -> dict[str, Any]:
        with self.cluster.store.lock:
            inst = self.cluster.store.instances.get(name)
            if inst is None:
                raise not_found()
            return inst

    def _submit(self, op: dict[str, Any], source: str) -> int:
        """Check the opcode's parameter types (400, no job), fill in its defaults, queue it.
        `source` names the RAPI resource, as in Ganeti's reason trail."""
        try:
            opcodes.validate(op)
        except opcodes.InvalidParameter as exc:
            raise bad_request(exc.message) from None
        with self.cluster.store.lock:
            inst = self.cluster.store.instances.get(op.get("instance_name") or "")
            context = {"hypervisor": HYPERVISOR, "node_uuid": self.cluster.store.node["uuid"],
                       "instance_uuid": inst["uuid"] if inst else None}
        return self.jobs.submit(
            [op], lambda o, job_id, i: opcodes.complete(o, source, job_id, i, context))

    # -- cluster ----------------------------------------------------------
    def get_info(self, query, body):
        return views.info(self.cluster)

    def get_nodes(self, query, body):
        with self.cluster.store.lock:
            return [views.node(self.cluster, self._bulk(query))]

    def get_node(self, name, query, body):
        if name != self.cluster.store.node["name"]:
            raise not_found()
        with self.cluster.store.lock:
            return views.node(self.cluster, True)

    def get_groups(self, query, body):
        return [views.group(self.cluster, self._bulk(query))]

    def get_group(self, name, query, body):
        if name != self.cluster.store.group["name"]:
            raise not_found()
        return views.group(self.cluster, True)

    # -- instances --------------------------------------------------------
    def get_instances(self, query, body):
        with self.cluster.store.lock:
            names = sorted(self.cluster.store.instances)
            if self._bulk(query):
                return [views.instance(self.cluster, self.cluster.store.instances[n])
                        for n in names]
        return [{"id": n, "uri": f"/2/instances/{n}"} for n in names]

    def get_instance(self, name, query, body):
        with self.cluster.store.lock:
            return views.instance(self.cluster, self._instance(name))

    def create_instance(self, query, body):
        if not isinstance(body, dict):
            raise bad_request("Invalid body contents, not a dictionary")
        version = body.get("__version__", 0)
        if version == 0:
            raise bad_request("Instance creation request version 0 is no longer supported")
        if version != 1:
            raise bad_request(f"Unsupported request data version {version}")
        if not body.get("name"):
            raise bad_request("Required parameter 'name' is missing")
        op = {k: v for k, v in body.items() if k not in ("__version__", "name", "os")}
        op.update({"OP_ID": "OP_INSTANCE_CREATE", "instance_name": body["name"],
                   "os_type": body.get("os_type") or body.get("os"),
                   "mode": body.get("mode", "create"), "start": body.get("start", True)})
        if query.get("dry-run", ["0"])[-1] == "1":
            op["dry_run"] = True
        return self._submit(op, "instances")

    def delete_instance(self, name, query, body):
        return self._submit({"OP_ID": "OP_INSTANCE_REMOVE", "instance_name": name,
                             "shutdown_timeout": (body or {}).get("shutdown_timeout", 120),
                             "ignore_failures": False}, "instances_name")

    def startup(self, name, query, body):
        return self._submit({"OP_ID": "OP_INSTANCE_STARTUP", "instance_name": name,
                             "force": query.get("force", ["0"])[-1] == "1"},
                            "instances_name_startup")

    def shutdown(self, name, query, body):
        return self._submit({"OP_ID": "OP_INSTANCE_SHUTDOWN", "instance_name": name,
                             "timeout": (body or {}).get("timeout", 120)},
                            "instances_name_shutdown")

    def reboot(self, name, query, body):
        return self._submit({"OP_ID": "OP_INSTANCE_REBOOT", "instance_name": name,
                             "shutdown_timeout": (body or {}).get("shutdown_timeout", 120),
                             "ignore_secondaries": False,
                             "reboot_type": query.get("type", ["hard"])[-1]},
                            "instances_name_reboot")

    def modify(self, name, query, body):
        if not isinstance(body, dict):
            raise bad_request("Request body must be a JSON object")
        op = {k: v for k, v in body.items() if k != "__version__"}
        op.update({"OP_ID": "OP_INSTANCE_SET_PARAMS", "instance_name": name})
        return self._submit(op, "instances_name_modify")

    def grow_disk(self, name, index, query, body):
        body = body or {}
        if "amount" not in body:
            raise bad_request("Required parameter 'amount' is missing")
        return self._submit({"OP_ID": "OP_INSTANCE_GROW_DISK", "instance_name": name,
                             "disk": int(index), "amount": body["amount"],
                             "absolute": body.get("absolute", False),
                             "wait_for_sync": body.get("wait_for_sync", True)},
                            "instances_name_disk_grow")

    def instance_info(self, name, query, body):
        """Like Ganeti: a query job (its result holds the details), even for an unknown
        instance (the job fails with unknown_entity)."""
        return self._submit({"OP_ID": "OP_INSTANCE_QUERY_DATA", "instances": [name],
                             "static": query.get("static", ["0"])[-1] == "1"},
                            "instances_name_info")

    def console(self, name, query, body):
        inst = self._instance(name)
        consoles = self.cluster.consoles
        if consoles is None:
            return {"instance": name, "kind": "msg",
                    "message": "Console not available for fake hypervisor"}
        if inst["admin_state"] != "up":
            raise HttpError(503, "Instance console unavailable")
        # The shape of Ganeti's VNC console (KVM): the node's address and network_port.
        port = consoles.port_of(name)
        return {"instance": name, "kind": "vnc", "message": None, "host": consoles.bind,
                "port": port, "display": port - 5900, "user": None, "command": None}

    def get_instance_tags(self, name, query, body):
        return self._instance(name)["tags"]

    def add_instance_tags(self, name, query, body):
        return self._submit({"OP_ID": "OP_TAGS_SET", "kind": "instance", "name": name,
                             "tags": query.get("tag", [])}, "instances_name_tags")

    def delete_instance_tags(self, name, query, body):
        return self._submit({"OP_ID": "OP_TAGS_DEL", "kind": "instance", "name": name,
                             "tags": query.get("tag", [])}, "instances_name_tags")

    def add_cluster_tags(self, query, body):
        return self._submit({"OP_ID": "OP_TAGS_SET", "kind": "cluster", "name": None,
                             "tags": query.get("tag", [])}, "tags")

    def delete_cluster_tags(self, query, body):
        return self._submit({"OP_ID": "OP_TAGS_DEL", "kind": "cluster", "name": None,
                             "tags": query.get("tag", [])}, "tags")

    # -- jobs -------------------------------------------------------------
    def get_jobs(self, query, body):
        ids = self.jobs.all_ids()
        if self._bulk(query):
            return [rapi_job(self.jobs.get(i)) for i in ids]
        return [{"id": i, "uri": f"/2/jobs/{i}"} for i in ids]

    def _job(self, job_id: str) -> dict[str, Any]:
        job = self.jobs.get(int(job_id))
        if job is None:
            raise not_found()
        return job

    def get_job(self, job_id, query, body):
        job = self.jobs.get(int(job_id))
        return unknown_job(int(job_id)) if job is None else rapi_job(job)

    def cancel_job(self, job_id, query, body):
        if self.jobs.get(int(job_id)) is None:
            return [False, f"Job {job_id} not found in queue"]
        if self.jobs.cancel(int(job_id)):
            return [True, f"Job {job_id} canceled"]
        return [False, f"Job {job_id} is no longer waiting in the queue"]

    def wait_job(self, job_id, query, body):
        """Long poll: answer when the job's fields or log changed (or after a timeout)."""
        body = body or {}
        fields = body.get("fields") or ["status"]
        before = rapi_job(self._job(job_id))
        previous = body.get("previous_job_info")
        serial = body.get("previous_log_serial") or 0
        if previous == [before.get(f) for f in fields]:
            self.jobs.wait_for_change(int(job_id), before, WAIT_SECONDS)
        job = rapi_job(self._job(job_id))
        current = [job.get(f) for f in fields]
        entries = [e for log_ in job["oplog"] for e in log_ if e[0] > serial]
        if current == previous and not entries:
            return None  # Ganeti: no change within the timeout
        return {"job_info": current, "log_entries": entries}

    # -- networks ---------------------------------------------------------
    def get_networks(self, query, body):
        with self.cluster.store.lock:
            nets = self.cluster.store.networks
            if self._bulk(query):
                return [views.network(self.cluster, nets[n]) for n in sorted(nets)]
            return [{"name": n, "uri": f"/2/networks/{n}"} for n in sorted(nets)]

    def get_network(self, name, query, body):
        with self.cluster.store.lock:
            net = self.cluster.store.networks.get(name)
            if net is None:
                raise not_found()
            return views.network(self.cluster, net)

    def create_network(self, query, body):
        if not isinstance(body, dict) or not body.get("network_name"):
            raise bad_request("Required parameter 'network_name' is missing")
        op = {k: v for k, v in body.items() if k != "__version__"}
        op["OP_ID"] = "OP_NETWORK_ADD"
        return self._submit(op, "networks")

    def delete_network(self, name, query, body):
        return self._submit({"OP_ID": "OP_NETWORK_REMOVE", "network_name": name, "force": False},
                            "networks_name")

    def connect_network(self, name, query, body):
        body = body or {}
        return self._submit({"OP_ID": "OP_NETWORK_CONNECT", "network_name": name,
                             "group_name": body.get("group_name"),
                             "network_mode": body.get("network_mode", "bridged"),
                             "network_link": body.get("network_link", "snfbr0"),
                             "conflicts_check": body.get("conflicts_check", True)},
                            "networks_name_connect")

    def disconnect_network(self, name, query, body):
        return self._submit({"OP_ID": "OP_NETWORK_DISCONNECT", "network_name": name,
                             "group_name": (body or {}).get("group_name")},
                            "networks_name_disconnect")

    def modify_network(self, name, query, body):
        op = dict(body or {})
        op.update({"OP_ID": "OP_NETWORK_SET_PARAMS", "network_name": name})
        return self._submit(op, "networks_name_modify")


def make_handler(api: Api, users: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "Ganeti 3.0.2 (snf-devcluster)"
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            self.request.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
            if isinstance(self.request, ssl.SSLSocket):
                self.request.do_handshake()
            self.request.settimeout(None)
            super().setup()

        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("rapi %s " + fmt, self.client_address[0], *args)

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            expected = users.get(user)
            return expected is not None and hmac.compare_digest(expected, password)

        def _send(self, code: int, data: Any) -> None:
            payload = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _handle(self, method: str) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES:
                    raise HttpError(413)
                raw = self.rfile.read(length) if length else b""
                if not self._authorized():
                    raise HttpError(401)
                try:
                    body = json.loads(raw) if raw.strip() else None
                except ValueError:
                    raise bad_request("Unable to parse JSON data") from None
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                self._send(200, api.dispatch(method, url.path.rstrip("/") or "/", query, body))
            except HttpError as exc:
                self._send(exc.code, exc.body())
            except Exception:
                log.exception("rapi %s %s failed", method, self.path)
                self._send(500, HttpError(500).body())

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

    return Handler


class RapiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: Api, users: dict[str, str],
                 certfile: str | None, keyfile: str | None):
        super().__init__(address, make_handler(api, users))
        self.tls: ssl.SSLContext | None = None
        if certfile:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(certfile, keyfile)

    def get_request(self):
        sock, address = self.socket.accept()
        if self.tls is not None:
            # the handshake happens in the request's thread (Handler.setup), not here
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="devcluster-rapi", daemon=True)
        thread.start()
        return thread
