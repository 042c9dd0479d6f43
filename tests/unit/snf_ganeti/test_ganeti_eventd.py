import json
import os
from pathlib import Path

from ganeti_samples import MemoryTransport

from snf_common.ganeti_events import NetworkStatus, OpStatus, from_json
from snf_ganeti.eventd import EventDaemon
from snf_ganeti.notify import Notifier, outbox_pending

CREATE_INPUT = {"OP_ID": "OP_INSTANCE_CREATE", "instance_name": "snf-2.snf.test",
                "nics": [{"name": "nic-2-0"}], "disks": [{"size": 1024}],
                "beparams": {"vcpus": 1}, "osparams": {"img_id": "x"}, "tags": ["a"]}


def write_job(queue: Path, job_id: int, statuses: list[str], inputs: list[dict] | None = None,
              bump: int = 0) -> None:
    """A job file shaped like Ganeti's, replaced atomically as Ganeti does."""
    inputs = inputs or [CREATE_INPUT] * len(statuses)
    ops = []
    for status, op_input in zip(statuses, inputs, strict=True):
        ops.append({"input": op_input, "status": status, "priority": 0,
                    "result": ["node1.snf.test"] if status == "success" else None,
                    "log": [[1, [1795479610, 646594], "message", "* creating instance disks..."]],
                    "start_timestamp": [1795479610, 112327], "exec_timestamp": [1795479610, 200000],
                    "end_timestamp": [1795479611, 516119] if status == "success" else None})
    job = {"id": job_id, "ops": ops, "received_timestamp": [1795479609, 685854],
           "start_timestamp": None, "end_timestamp": None}
    tmp = queue / f"job-{job_id}.new"
    tmp.write_text(json.dumps(job))
    os.replace(tmp, queue / f"job-{job_id}")
    stamp = 1_700_000_000 + bump
    os.utime(queue / f"job-{job_id}", (stamp, stamp))


def make_daemon(tmp_path: Path, transport: MemoryTransport) -> EventDaemon:
    (tmp_path / "ssconf_cluster_name").write_text("cluster.snf.test\n")
    return EventDaemon(tmp_path / "queue", Notifier(lambda: transport, tmp_path / "ob"),
                       tmp_path / "state.json", "snf")


def published(transport: MemoryTransport) -> list:
    return [(key, from_json(body)) for key, body in transport.published]


def test_each_transition_is_published_once_with_job_id(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    transport = MemoryTransport()
    daemon = make_daemon(tmp_path, transport)
    write_job(queue, 6, ["queued"])
    assert daemon.poll_once() == 1
    assert daemon.poll_once() == 0  # unchanged file: nothing new
    write_job(queue, 6, ["running"], bump=1)
    write_job(queue, 6, ["running"], bump=2)  # rewritten (new log line), same status
    daemon.poll_once()
    write_job(queue, 6, ["success"], bump=3)
    daemon.poll_once()
    messages = published(transport)
    assert [m.status for _, m in messages] == ["queued", "running", "success"]
    assert all(key == "ganeti.snf.event.op" for key, _ in messages)
    final = messages[-1][1]
    assert isinstance(final, OpStatus)
    assert (final.jobId, final.instance, final.operation) == (6, "snf-2.snf.test",
                                                              "OP_INSTANCE_CREATE")
    assert final.cluster == "cluster.snf.test"
    assert final.event_time == [1795479611, 516119]  # Ganeti's end timestamp
    assert messages[0][1].event_time == [1795479609, 685854]  # received timestamp
    assert final.result == ["node1.snf.test"]
    assert final.logmsg == "* creating instance disks..."
    assert final.job_fields == {"nics": [{"name": "nic-2-0"}], "disks": [{"size": 1024}],
                                "beparams": {"vcpus": 1}}
    assert final.tags == ["a"]


def test_restart_does_not_repeat_published_transitions(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    transport = MemoryTransport()
    write_job(queue, 1, ["success"])
    write_job(queue, 2, ["running"])
    make_daemon(tmp_path, transport).poll_once()
    assert len(transport.published) == 2
    write_job(queue, 2, ["success"], bump=5)
    again = MemoryTransport()
    make_daemon(tmp_path, again).poll_once()  # a new process, same state file
    assert [(m.jobId, m.status) for _, m in published(again)] == [(2, "success")]


def test_failed_create_carries_the_whole_request_and_network_ops_route_apart(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    transport = MemoryTransport()
    net = {"OP_ID": "OP_NETWORK_ADD", "network_name": "snf-net-7", "network": "10.0.0.0/24",
           "gateway": "10.0.0.1"}
    tag = {"OP_ID": "OP_TAGS_SET", "kind": "cluster"}
    write_job(queue, 3, ["error", "success", "success"], [CREATE_INPUT, net, tag])
    make_daemon(tmp_path, transport).poll_once()
    (key1, op), (key2, network) = published(transport)
    assert key1 == "ganeti.snf.event.op" and op.status == "error"
    assert op.job_fields["osparams"] == {"img_id": "x"}
    assert key2 == "ganeti.snf.event.network" and isinstance(network, NetworkStatus)
    assert network.network == "snf-net-7"
    assert network.job_fields == {"network": "10.0.0.0/24", "gateway": "10.0.0.1"}


def test_unreadable_or_partial_files_are_retried(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "job-9").write_text('{"id": 9, "ops": [')
    (queue / "job-9.new").write_text("ignored temp file")
    transport = MemoryTransport()
    daemon = make_daemon(tmp_path, transport)
    assert daemon.poll_once() == 0
    write_job(queue, 9, ["queued"], bump=1)
    assert daemon.poll_once() == 1


def test_not_master_publishes_nothing(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    write_job(queue, 1, ["queued"])
    (tmp_path / "ssconf_master_node").write_text("some-other-node.example\n")
    transport = MemoryTransport()
    daemon = make_daemon(tmp_path, transport)
    daemon.master_only = True
    assert daemon.poll_once() == 0 and transport.published == []


def test_queue_down_spools_and_later_poll_forwards(tmp_path, monkeypatch):
    queue = tmp_path / "queue"
    queue.mkdir()
    transport = MemoryTransport(down=True)
    daemon = make_daemon(tmp_path, transport)
    write_job(queue, 4, ["queued"])
    daemon.poll_once()
    assert outbox_pending(tmp_path / "ob") == 1
    transport.down = False
    monkeypatch.setattr("snf_ganeti.eventd.OUTBOX_RETRY_SECONDS", 0.0)
    daemon.poll_once()
    assert [m.status for _, m in published(transport)] == ["queued"]
