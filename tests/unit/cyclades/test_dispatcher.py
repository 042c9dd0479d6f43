"""The dispatcher over a real spool queue: ack after commit, redelivery is harmless."""

from __future__ import annotations

import pytest
from conftest import run_cluster_jobs

from cyclades.backends.ganeti import fake
from cyclades.compute.models import Server, ServerAction, ServerNic
from cyclades.updates.dispatcher import Dispatcher
from cyclades.updates.handlers.instance import process_op_status
from cyclades.updates.models import DeadLetter
from snf_common.ganeti_events import OpStatus, routing_key, to_json
from snf_common.queue.spool import SpoolTransport

pytestmark = pytest.mark.django_db(transaction=True)


def create(api, flavor, image):
    body = {"server": {"name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id)}}
    response = api.call("POST", "servers", body)
    assert response.status_code == 202, response.content
    return int(response.data["server"]["id"])


@pytest.fixture
def transport(tmp_path):
    spool = SpoolTransport(tmp_path / "queue")
    yield spool
    spool.close()


def publish_all(transport, messages):
    for message in messages:
        transport.publish(routing_key("snf", "op"), to_json(message))


def test_dispatcher_applies_queued_events_and_acks(alice, backend, flavor, image, quota,
                                                   transport):
    server_id = create(alice, flavor, image)
    dispatcher = Dispatcher(transport, "cyclades-events")
    dispatcher.setup()
    publish_all(transport, fake.cluster_for("cluster-a").run_jobs())
    assert dispatcher.run(should_stop=lambda: False, poll_seconds=0.05, drain=True) == 2
    server = Server.objects.get(pk=server_id)
    assert server.operstate == "STARTED" and server.instance_created
    assert ServerNic.objects.get(server=server).mac.startswith("aa:00")
    assert not quota.pending()
    assert transport.get("cyclades-events", timeout=0.05) is None


def test_bad_message_is_dead_lettered_and_acked(transport, db):
    dispatcher = Dispatcher(transport, "cyclades-events")
    dispatcher.setup()
    transport.publish("ganeti.snf.event.op", b"{not json")
    transport.publish("ganeti.snf.event.op", b'{"type": "mystery"}')
    dispatcher.run(should_stop=lambda: False, poll_seconds=0.05, drain=True)
    assert DeadLetter.objects.count() == 2
    assert transport.get("cyclades-events", timeout=0.05) is None


def test_crash_between_commit_and_ack_changes_nothing_on_redelivery(alice, backend, flavor,
                                                                    image, quota, transport):
    server_id = create(alice, flavor, image)
    dispatcher = Dispatcher(transport, "cyclades-events")
    dispatcher.setup()
    publish_all(transport, fake.cluster_for("cluster-a").run_jobs())
    # The first message (running) goes through normally.
    dispatcher.handle(transport.get("cyclades-events", timeout=1))
    # The second (success) is committed, then the process "dies" before the ack.
    delivery = transport.get("cyclades-events", timeout=1)

    class Killed(BaseException):
        pass

    def die():
        raise Killed()

    delivery._ack = die
    with pytest.raises(Killed):
        dispatcher.handle(delivery)
    before = Server.objects.get(pk=server_id)
    log_before = list(quota.log)
    assert before.operstate == "STARTED"
    delivery.nack(requeue=True)   # what the broker does when the consumer's channel dies
    redelivered = transport.get("cyclades-events", timeout=1)
    assert redelivered is not None and redelivered.body == delivery.body
    Dispatcher(transport, "cyclades-events").handle(redelivered)
    after = Server.objects.get(pk=server_id)
    assert (after.operstate, after.backend_time, after.updated, after.quota_held) == \
        (before.operstate, before.backend_time, before.updated, before.quota_held)
    assert quota.log == log_before
    assert transport.get("cyclades-events", timeout=0.05) is None


def test_older_event_is_ignored(alice, backend, flavor, image):
    server_id = create(alice, flavor, image)
    messages = fake.cluster_for("cluster-a").run_jobs()
    success = messages[-1]
    process_op_status(success)
    stale = OpStatus(instance=success.instance, operation="OP_INSTANCE_SHUTDOWN",
                     status="success", jobId=99, cluster="cluster-a",
                     event_time=[success.event_time[0] - 10, 0])
    process_op_status(stale)
    assert Server.objects.get(pk=server_id).operstate == "STARTED"


def test_foreign_instance_is_ignored(db):
    assert process_op_status(OpStatus(instance="other-7", operation="OP_INSTANCE_STARTUP",
                                      status="success", jobId=1, cluster="c")) is None


def test_shutdown_done_in_ganeti_releases_running_quota(alice, backend, flavor, image, quota):
    server_id = create(alice, flavor, image)
    run_cluster_jobs()
    assert quota.held("alice-uuid", "cyclades.cpu") == (1, 1)
    # An administrator ran gnt-instance shutdown: eventd reports it, no task of ours.
    process_op_status(OpStatus(instance=f"snf-{server_id}", operation="OP_INSTANCE_SHUTDOWN",
                               status="success", jobId=77, cluster="cluster-a"))
    from cyclades.compute import commissions
    commissions.resolve(server_id)
    assert Server.objects.get(pk=server_id).operstate == "STOPPED"
    assert quota.held("alice-uuid", "cyclades.cpu") == (0, 0)


def test_build_progress_updates_percentage(alice, backend, flavor, image):
    from cyclades.updates.dispatcher import apply
    from snf_common.ganeti_events import BuildProgress

    server_id = create(alice, flavor, image)
    apply(BuildProgress(instance=f"snf-{server_id}", cluster="cluster-a",
                        subtype="image-copy-progress", progress=42.5))
    assert alice.call("GET", f"servers/{server_id}").data["server"]["progress"] == 42


def test_job_that_ends_before_its_id_is_recorded_finishes_its_action_entry(alice, backend,
                                                                           flavor, image):
    # The dispatcher may apply a job's success before the submission wrote the job id
    # into the action log: the task's pending entry is the one finished, and learns it.
    server_id = create(alice, flavor, image)
    ServerAction.objects.filter(server_id=server_id).update(job_id=None, status="pending")
    success = fake.cluster_for("cluster-a").run_jobs()[-1]
    process_op_status(success)
    entries = list(ServerAction.objects.filter(server_id=server_id)
                   .values_list("action", "job_id", "status"))
    assert entries == [("CREATE", success.jobId, "success")]


def test_job_of_no_action_entry_gets_one_and_other_entries_keep_theirs(alice, backend,
                                                                       flavor, image):
    server_id = create(alice, flavor, image)
    run_cluster_jobs()
    # A reboot done in Ganeti: no entry of ours has its job id or waits for its task.
    process_op_status(OpStatus(instance=f"snf-{server_id}", operation="OP_INSTANCE_REBOOT",
                               status="error", jobId=88, cluster="cluster-a",
                               logmsg="hypervisor said no"))
    entries = list(ServerAction.objects.filter(server_id=server_id).order_by("id")
                   .values_list("action", "job_id", "status", "message"))
    assert entries[0][:3] == ("CREATE", 1, "success")
    assert entries[1] == ("REBOOT", 88, "error", "hypervisor said no")
    assert len(entries) == 2
