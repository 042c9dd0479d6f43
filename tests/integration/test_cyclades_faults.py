"""Cyclades' update path under faults, with real processes, RabbitMQ and PostgreSQL.

The producers (the devcluster's eventd and hooks) and the dispatcher reach RabbitMQ
through a TCP proxy this test cuts and restores, so the shared broker never stops.
Cyclades runs on its own PostgreSQL database. Covered:
- creates while the broker is unreachable: producers spool to their outbox and
  flush it later, the dispatcher reconnects; every server reaches ACTIVE and no
  commission stays pending;
- messages lost for good: reconcile-servers --fix brings the server to its state;
- the dispatcher killed (-9) between its commit and its ack: the redelivered
  message changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest
import requests

from tests.integration.test_cyclades_devcluster import (
    BIN,
    ROOT,
    api,
    manage,
    rapi_instances,
    running_stack,
    settled_vm_usage,
    stop,
    vm_usage,
)

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

RABBIT = ("127.0.0.1", 5672)
PG_ADMIN = "dbname=postgres user=postgres host=127.0.0.1 port=5432"
WAIT = 120.0


def reachable(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=2).close()
        return True
    except OSError:
        return False


class TcpProxy:
    """Loopback TCP forwarder that can be cut (all connections dropped, new ones refused)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.up = True
        self.lock = threading.Lock()
        self.conns: list[socket.socket] = []
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.up = False
        with self.lock:
            conns, self.conns = self.conns, []
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


def pg(sql: str, dbname: str | None = None, params: tuple = ()) -> list[tuple]:
    import psycopg2

    dsn = PG_ADMIN if dbname is None else PG_ADMIN.replace("dbname=postgres", f"dbname={dbname}")
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def queue_depth(exchange_url: str, queue: str) -> int:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(exchange_url.split("?")[0]))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def purge(exchange_url: str, queue: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(exchange_url.split("?")[0]))
    try:
        connection.channel().queue_purge(queue)
    finally:
        connection.close()


def start_dispatcher(stack, name: str, **extra_env: str) -> subprocess.Popen:
    env = dict(stack["env"], **extra_env)
    return subprocess.Popen([str(BIN / "cyclades-manage"), "dispatcher", "--poll-seconds",
                             "0.2"], env=env, cwd=ROOT,
                            stdout=open(stack["root"] / f"{name}.log", "w"),
                            stderr=subprocess.STDOUT)


def statuses(stack, ids: list[str]) -> dict[str, str]:
    listed = api(stack, "GET", "servers/detail").json()["servers"]
    return {s["id"]: s["status"] for s in listed if s["id"] in ids}


def wait_statuses(stack, ids: list[str], wanted: str, timeout: float = WAIT) -> dict:
    deadline = time.monotonic() + timeout
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        seen = statuses(stack, ids)
        if all(seen.get(i) == wanted for i in ids):
            return seen
        time.sleep(0.3)
    logs = "\n".join(p.read_text()[-1500:] for p in stack["root"].glob("dispatcher*.log"))
    raise AssertionError(f"wanted {wanted}, have {seen}\n{logs}")


def wait_running_in_ganeti(stack, names: set[str], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = requests.get(f"{stack['rapi']}/2/instances?bulk=1", auth=("snf", "snfpass"),
                                verify=False, timeout=10)
        running = {i["name"] for i in response.json() if i["status"] == "running"}
        if names <= running:
            return
        time.sleep(0.3)
    raise AssertionError(f"{names - running} not running in the cluster")


def create(stack, name: str) -> str:
    response = api(stack, "POST", "servers", {"server": {
        "name": name, "flavorRef": stack["flavors"]["small"], "imageRef": stack["image"]}})
    assert response.status_code == 202, response.text
    return response.json()["server"]["id"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not reachable(RABBIT):
        pytest.skip("RabbitMQ is not listening on 127.0.0.1:5672")
    if not reachable(("127.0.0.1", 5432)):
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432")
    tag = uuid.uuid4().hex[:10]
    database, exchange, queue = f"cyc_faults_{tag}", f"snf-faults-{tag}", f"cyc-events-{tag}"
    direct = f"amqp://guest:guest@127.0.0.1:5672/%2F?exchange={exchange}"
    proxy = TcpProxy(RABBIT)
    pg(f'CREATE DATABASE "{database}"')
    root = tmp_path_factory.mktemp("cyclades-faults")
    extra = {"SNF_CYCLADES_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
             "SNF_CYCLADES_EVENTS_QUEUE": queue}
    try:
        with running_stack(root, vm_limit=20, queue_url=f"amqp://guest:guest@127.0.0.1:"
                           f"{proxy.port}/%2F?exchange={exchange}",
                           cyclades_extra_env=extra) as coordinates:
            state = dict(coordinates, proxy=proxy, database=database, queue=queue,
                         direct=direct, outbox=root / "gtools" / "snf-ganeti" / "outbox",
                         extra=[])
            yield state
            for proc in state["extra"]:
                stop(proc)
    finally:
        proxy.close()
        from snf_common.queue.rabbitmq import RabbitMQTransport

        transport = RabbitMQTransport(direct)
        try:
            transport.delete_queue(queue)
            transport.delete_exchange()
        finally:
            transport.close()
        pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_create_path_on_postgresql_and_rabbitmq(stack):
    server_id = create(stack, "plain")
    wait_statuses(stack, [server_id], "ACTIVE")
    [(operstate, created)] = pg("SELECT operstate, instance_created FROM compute_server "
                                "WHERE id = %s", stack["database"], (int(server_id),))
    assert (operstate, created) == ("STARTED", True)
    assert settled_vm_usage(stack)["pending"] == 0


def test_creates_during_a_broker_outage_reach_their_state(stack):
    from snf_ganeti.notify import outbox_pending

    before = vm_usage(stack)["usage"]
    stack["proxy"].cut()
    try:
        ids = [create(stack, f"outage-{i}") for i in range(4)]
        wait_running_in_ganeti(stack, {f"snf-{i}" for i in ids})
        # Ganeti built them, but no message could reach Cyclades: they wait, spooled.
        assert set(statuses(stack, ids).values()) == {"BUILD"}
        assert outbox_pending(stack["outbox"]) > 0
        assert vm_usage(stack)["pending"] >= 4
    finally:
        stack["proxy"].restore()
    wait_statuses(stack, ids, "ACTIVE")
    deadline = time.monotonic() + 30
    while vm_usage(stack)["pending"] and time.monotonic() < deadline:
        time.sleep(0.3)
    assert vm_usage(stack)["pending"] == 0
    assert vm_usage(stack)["usage"] == before + 4
    assert outbox_pending(stack["outbox"]) == 0
    assert stack["dispatcher"].poll() is None       # it reconnected instead of dying
    stack["outage_ids"] = ids


def test_messages_lost_for_good_are_repaired_by_reconciliation(stack):
    stop(stack["dispatcher"])
    server_id = create(stack, "lost")
    wait_running_in_ganeti(stack, {f"snf-{server_id}"})
    time.sleep(2.0)                                   # eventd's last messages, then lose all
    purge(stack["direct"], stack["queue"])
    dispatcher = start_dispatcher(stack, "dispatcher-2")
    stack["extra"].append(dispatcher)
    stack["dispatcher"] = dispatcher
    time.sleep(2.0)
    assert statuses(stack, [server_id]) == {server_id: "BUILD"}
    report = json.loads(manage("cyclades", stack["env"], "reconcile-servers", "-o", "json"))
    kinds = {f["kind"] for f in report["findings"] if str(f["server"]) == server_id}
    assert kinds & {"task-finished", "build-finished"}, report
    manage("cyclades", stack["env"], "reconcile-servers", "--fix")
    assert statuses(stack, [server_id]) == {server_id: "ACTIVE"}
    assert settled_vm_usage(stack)["pending"] == 0
    again = json.loads(manage("cyclades", stack["env"], "reconcile-servers", "-o", "json"))
    assert again["findings"] == [], again


def snapshot(stack, server_id: str) -> dict:
    db, sid = stack["database"], int(server_id)
    [(operstate, task, quota_held)] = pg(
        "SELECT operstate, task, quota_held FROM compute_server WHERE id = %s", db, (sid,))
    actions = pg("SELECT action, status FROM compute_serveraction WHERE server_id = %s "
                 "ORDER BY id", db, (sid,))
    commissions = pg("SELECT serial, action, decision, resolved FROM compute_commission "
                     "WHERE server_id = %s ORDER BY serial", db, (sid,))
    return {"operstate": operstate, "task": task, "quota_held": quota_held,
            "actions": actions, "commissions": commissions}


def decided(snap: dict) -> dict:
    """The snapshot without the commissions' `resolved` flags: the kill may land between
    the commit and the call that tells Astakos the decision, and finishing that call is
    the next dispatcher's job (it resolves decided commissions when it starts)."""
    return {**snap, "commissions": [c[:3] for c in snap["commissions"]]}


def test_dispatcher_killed_between_commit_and_ack_changes_nothing(stack):
    server_id = stack["outage_ids"][0]
    stop(stack["dispatcher"])
    slow = start_dispatcher(stack, "dispatcher-slow",
                            SNF_CYCLADES_DISPATCHER_HOLD_BEFORE_ACK_SECONDS="3")
    stack["extra"].append(slow)
    assert api(stack, "POST", f"servers/{server_id}/action", {"os-stop": None}) \
        .status_code == 202
    # The status flips when the handler's transaction commits; the ack comes 3 s later.
    deadline = time.monotonic() + WAIT
    while statuses(stack, [server_id]) != {server_id: "SHUTOFF"}:
        assert time.monotonic() < deadline and slow.poll() is None
        time.sleep(0.05)
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait(timeout=10)
    after_commit = snapshot(stack, server_id)
    assert after_commit["operstate"] == "STOPPED" and after_commit["task"] == ""
    assert after_commit["actions"][-1] == ("STOP", "success")
    assert queue_depth(stack["direct"], stack["queue"]) >= 1   # the unacked one came back

    fresh = start_dispatcher(stack, "dispatcher-3")
    stack["extra"].append(fresh)
    stack["dispatcher"] = fresh
    deadline = time.monotonic() + 60
    while queue_depth(stack["direct"], stack["queue"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    final = snapshot(stack, server_id)
    assert decided(final) == decided(after_commit)
    assert all(resolved for *_rest, resolved in final["commissions"]), final
    assert vm_usage(stack)["pending"] == 0
    log = (stack["root"] / "dispatcher-3.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    assert f"snf-{server_id}" in rapi_instances(stack)
