import json
from pathlib import Path

from ganeti_samples import ADD_POST, MemoryTransport, with_post

from snf_common.ganeti_events import OpStatus, from_json
from snf_ganeti import hook
from snf_ganeti.notify import Notifier, outbox_pending


def _notifier(tmp_path: Path, transport: MemoryTransport) -> Notifier:
    return Notifier(lambda: transport, tmp_path / "outbox")


def test_post_hook_publishes_op_status_with_nics(tmp_path, add_post_env):
    transport = MemoryTransport()
    assert hook.run(add_post_env, _notifier(tmp_path, transport), "snf")
    [(key, body)] = transport.published
    assert key == "ganeti.snf.event.op"
    message = from_json(body)
    assert isinstance(message, OpStatus)
    assert (message.instance, message.operation, message.status) == (
        "snf-1.snf.test", "OP_INSTANCE_CREATE", "success")
    assert message.jobId == 0  # no queue dir readable: the documented fallback
    assert message.instance_nics[0]["mac"] == "aa:00:00:11:22:33"
    assert message.instance_disks == [{"name": "disk-1-0", "size": 1024, "uuid": "d-uuid"}]
    assert message.tags == ["synnefo:network:0:public"]


def test_hook_finds_job_id_of_running_job(tmp_path, add_post_env):
    queue = tmp_path / "data" / "queue"
    queue.mkdir(parents=True)
    op = {"input": {"OP_ID": "OP_INSTANCE_CREATE", "instance_name": "snf-1.snf.test"},
          "status": "running"}
    (queue / "job-6").write_text(json.dumps({"id": 6, "ops": [op]}))
    done = dict(op, status="success")
    (queue / "job-5").write_text(json.dumps({"id": 5, "ops": [done]}))
    (queue / "job-7").write_text("{not json")
    add_post_env["GANETI_DATA_DIR"] = str(tmp_path / "data")
    transport = MemoryTransport()
    hook.run(add_post_env, _notifier(tmp_path, transport), "snf")
    assert from_json(transport.published[0][1]).jobId == 6


def test_unreachable_queue_spools_then_next_run_forwards_in_order(tmp_path, add_post_env):
    transport = MemoryTransport(down=True)
    hook.run(add_post_env, _notifier(tmp_path, transport), "snf")
    stop = with_post(dict(ADD_POST, GANETI_HOOKS_PATH="instance-stop",
                          GANETI_OP_CODE="OP_INSTANCE_SHUTDOWN"))
    hook.run(stop, _notifier(tmp_path, transport), "snf")
    assert transport.published == []
    assert outbox_pending(tmp_path / "outbox") == 2

    transport.down = False
    start = with_post(dict(ADD_POST, GANETI_HOOKS_PATH="instance-start",
                           GANETI_OP_CODE="OP_INSTANCE_STARTUP"))
    hook.run(start, _notifier(tmp_path, transport), "snf")
    operations = [from_json(body).operation for _, body in transport.published]
    assert operations == ["OP_INSTANCE_CREATE", "OP_INSTANCE_SHUTDOWN", "OP_INSTANCE_STARTUP"]
    assert outbox_pending(tmp_path / "outbox") == 0


def test_pre_hook_publishes_nothing_but_forwards_outbox(tmp_path, add_post_env):
    Notifier(lambda: MemoryTransport(down=True), tmp_path / "outbox").publish(
        "ganeti.snf.event.op", b'{"x": 1}')
    pre = dict(add_post_env, GANETI_HOOKS_PHASE="pre")
    transport = MemoryTransport()
    assert not hook.run(pre, _notifier(tmp_path, transport), "snf")
    assert transport.published == [("ganeti.snf.event.op", b'{"x": 1}')]


def test_main_never_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("SNF_SETTINGS_DIR", str(tmp_path / "missing"))  # a broken config
    assert hook.main() == 0
