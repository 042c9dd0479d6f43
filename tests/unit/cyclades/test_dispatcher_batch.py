"""The dispatcher's batches: shortcuts that open no transaction must end exactly as applying
every message one by one would, and nothing is acknowledged before what makes it
redundant committed."""

from __future__ import annotations

import dataclasses

import pytest

from cyclades.backends.ganeti import fake
from cyclades.compute.models import Server
from cyclades.updates import dispatcher as dispatcher_module
from cyclades.updates.dispatcher import Dispatcher
from cyclades.updates.handlers.instance import process_op_status
from snf_common.ganeti_events import OpStatus, routing_key, to_json
from snf_common.queue.spool import SpoolTransport

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "cyclades-events"


@pytest.fixture
def transport(tmp_path):
    spool = SpoolTransport(tmp_path / "queue")
    spool.declare_queue(QUEUE, dispatcher_module.BINDINGS)
    yield spool
    spool.close()


def create(api, flavor, image) -> int:
    body = {"server": {"name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id)}}
    response = api.call("POST", "servers", body)
    assert response.status_code == 202, response.content
    return int(response.data["server"]["id"])


def at(base: list[int], micros: int) -> list[int]:
    total = base[0] * 1_000_000 + base[1] + micros
    return [total // 1_000_000, total % 1_000_000]


def lifecycle(success: OpStatus) -> list[OpStatus]:
    """What eventd and the post hook publish for one job: queued, waiting, running, the
    hook's success (with NICs and disks), eventd's success (without)."""
    start = success.event_time
    common = dict(instance=success.instance, operation=success.operation,
                  jobId=success.jobId, cluster=success.cluster)
    return [OpStatus(status="queued", event_time=at(start, 1), **common),
            OpStatus(status="waiting", event_time=at(start, 2), **common),
            OpStatus(status="running", event_time=at(start, 3), **common),
            dataclasses.replace(success, event_time=at(start, 4), logmsg="hook"),
            dataclasses.replace(success, event_time=at(start, 5), instance_nics=None,
                                instance_disks=None)]


def publish(transport, messages) -> None:
    for message in messages:
        transport.publish(routing_key("snf", "op"), to_json(message))


def successes() -> list[OpStatus]:
    return [m for m in fake.cluster_for("cluster-a").run_jobs() if m.status == "success"]


def test_one_batch_builds_every_server_with_one_resolve(alice, backend, flavor, image, quota,
                                                        transport, monkeypatch):
    ids = [create(alice, flavor, image) for _ in range(3)]
    messages = [lifecycle(m) for m in successes()]
    publish(transport, [m for step in zip(*messages, strict=True) for m in step])   # interleaved
    resolves = []
    real_resolve = quota.resolve
    monkeypatch.setattr(quota, "resolve", lambda **kw: (resolves.append(kw), real_resolve(**kw)))
    applied = []
    real_apply = dispatcher_module.apply
    monkeypatch.setattr(dispatcher_module, "apply",
                        lambda m, states=None: (applied.append(m.status), real_apply(m, states))[1])
    assert Dispatcher(transport, QUEUE).run(should_stop=lambda: False, poll_seconds=0.05,
                                            drain=True) == 15
    for server in Server.objects.filter(pk__in=ids):
        assert (server.operstate, server.instance_created, server.task) == ("STARTED", True, "")
        assert server.backend_job_status == "success"
        assert server.nics.get().mac.startswith("aa:00")
    # Only each hook's success needed a transaction: the queued/waiting/running statuses
    # were overtaken in the batch, and eventd's repeat of the success changes nothing.
    assert applied == ["success"] * 3
    assert len(resolves) == 1 and len(resolves[0]["accept"]) == 3
    assert not quota.pending()
    assert transport.pending(QUEUE) == 0


def test_batch_ends_as_one_by_one(alice, backend, flavor, image, quota, transport):
    """The same messages, one batch vs one message at a time: the same servers."""
    first, second = create(alice, flavor, image), create(alice, flavor, image)
    one, two = [lifecycle(m) for m in successes()]
    for message in one:
        process_op_status(message)
    publish(transport, two)
    Dispatcher(transport, QUEUE).run(should_stop=lambda: False, poll_seconds=0.05, drain=True)
    fields = ("operstate", "instance_created", "task", "backend_job_status", "backend_opcode",
              "backend_log_msg", "build_progress", "quota_held")
    a, b = Server.objects.get(pk=first), Server.objects.get(pk=second)
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert a.nics.get().mac and b.nics.get().mac


def test_repeated_success_does_not_end_a_newer_task(alice, backend, flavor, image, transport):
    """eventd repeats the hook's success of reboot job 1 after reboot job 2 was asked for:
    the server still shows REBOOT (applying the repeat used to clear the new task)."""
    server_id = create(alice, flavor, image)
    for message in successes():
        process_op_status(message)
    assert alice.call("POST", f"servers/{server_id}/action",
                      {"reboot": {"type": "SOFT"}}).status_code == 202
    (first_reboot,) = successes()
    process_op_status(first_reboot)
    assert alice.call("POST", f"servers/{server_id}/action",
                      {"reboot": {"type": "SOFT"}}).status_code == 202
    before = Server.objects.get(pk=server_id)
    repeat = dataclasses.replace(first_reboot, event_time=at(first_reboot.event_time, 50),
                                 instance_nics=None, instance_disks=None)
    for batch in ([repeat], []):   # through the dispatcher, then the handler directly
        publish(transport, batch)
        Dispatcher(transport, QUEUE).run(should_stop=lambda: False, poll_seconds=0.05,
                                         drain=True)
        process_op_status(repeat)
        after = Server.objects.get(pk=server_id)
        assert (after.task, after.updated, after.backend_time) == \
            ("REBOOT", before.updated, before.backend_time)
    assert alice.call("GET", f"servers/{server_id}").data["server"]["status"] == "REBOOT"


def test_failed_message_requeues_what_it_made_redundant(alice, backend, flavor, image,
                                                         transport, monkeypatch):
    server_id = create(alice, flavor, image)
    (success,) = successes()
    queued, _waiting, running, hook, _eventd = lifecycle(success)
    publish(transport, [queued, running, hook])

    def broken(message, states=None):
        raise RuntimeError("database gone")

    monkeypatch.setattr(dispatcher_module, "apply", broken)
    monkeypatch.setattr(dispatcher_module.time, "sleep", lambda s: None)
    dispatcher = Dispatcher(transport, QUEUE)
    first = transport.get(QUEUE, timeout=1)
    dispatcher.handle_batch([first] + dispatcher.take_more(10))
    # Nothing was applied and all three are back in the queue.
    assert Server.objects.get(pk=server_id).backend_time is None
    assert transport.pending(QUEUE) == 3
    monkeypatch.undo()
    Dispatcher(transport, QUEUE).run(should_stop=lambda: False, poll_seconds=0.05, drain=True)
    assert Server.objects.get(pk=server_id).operstate == "STARTED"
    assert transport.pending(QUEUE) == 0


def test_status_transition_is_one_update_and_never_goes_back(alice, backend, flavor, image):
    server_id = create(alice, flavor, image)
    (success,) = successes()
    queued, waiting, running, _hook, _eventd = lifecycle(success)
    process_op_status(running)
    after_running = Server.objects.get(pk=server_id)
    assert (after_running.backend_job_status, after_running.backend_job_id) == \
        ("running", success.jobId)
    assert after_running.updated > after_running.created
    process_op_status(waiting)   # older: changes nothing
    process_op_status(queued)
    again = Server.objects.get(pk=server_id)
    assert (again.backend_job_status, again.backend_time, again.updated) == \
        ("running", after_running.backend_time, after_running.updated)


def test_status_of_a_deleted_server_takes_the_full_path(alice, backend, flavor, image):
    server_id = create(alice, flavor, image)
    (success,) = successes()
    Server.objects.filter(pk=server_id).update(deleted=True, operstate="DESTROYED")
    _queued, _waiting, running, _hook, _eventd = lifecycle(success)
    assert process_op_status(running) == server_id
    server = Server.objects.get(pk=server_id)
    assert (server.deleted, server.backend_job_status) == (True, "running")


def test_finals_of_several_batches_share_one_resolve_before_their_acks(
        alice, backend, flavor, image, quota, transport, monkeypatch):
    for _ in range(2):
        create(alice, flavor, image)
    first, second = successes()
    publish(transport, [first, second])
    resolves = []
    real_resolve = quota.resolve
    monkeypatch.setattr(quota, "resolve", lambda **kw: (resolves.append(kw), real_resolve(**kw)))
    dispatcher = Dispatcher(transport, QUEUE)
    for _ in range(2):   # they arrive a little apart: two batches
        dispatcher.handle_batch([transport.get(QUEUE, timeout=1)])
        dispatcher.flush(force=False)   # inside the window: nothing sent, nothing acked
    assert Server.objects.filter(operstate="STARTED").count() == 2   # both committed
    assert resolves == [] and len(quota.pending()) == 2
    assert transport.pending(QUEUE) == 2                             # taken, not acked
    dispatcher.flush_at = 0.0                                        # the window passed
    dispatcher.flush(force=False)
    assert len(resolves) == 1 and len(resolves[0]["accept"]) == 2
    assert not quota.pending() and transport.pending(QUEUE) == 0
