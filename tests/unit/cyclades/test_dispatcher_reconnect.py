"""The dispatcher survives a queue outage: it reconnects, re-declares, and a lost ack
only means a harmless redelivery."""

from __future__ import annotations

import pytest
from conftest import run_cluster_jobs  # noqa: F401  (fixture module import order)

from cyclades.backends.ganeti import fake
from cyclades.compute.models import Server
from cyclades.updates import dispatcher as dispatcher_module
from cyclades.updates.dispatcher import Dispatcher
from snf_common.ganeti_events import routing_key, to_json
from snf_common.queue.base import QueueError
from snf_common.queue.spool import SpoolTransport

pytestmark = pytest.mark.django_db(transaction=True)


class Flaky(SpoolTransport):
    """A spool that is 'down' for a number of calls, and can lose one ack."""

    def __init__(self, path, *, down_calls: int = 0, lose_first_ack: bool = False):
        super().__init__(path)
        self.down_calls = down_calls
        self.lose_first_ack = lose_first_ack
        self.closes = 0
        self.declares = 0

    def _maybe_down(self):
        if self.down_calls > 0:
            self.down_calls -= 1
            raise QueueError("RabbitMQ unreachable: connection refused")

    def declare_queue(self, queue, bindings):
        self._maybe_down()
        self.declares += 1
        super().declare_queue(queue, bindings)

    def get(self, queue, timeout=0.0):
        self._maybe_down()
        delivery = super().get(queue, timeout)
        if delivery is not None and self.lose_first_ack:
            self.lose_first_ack = False

            def lost():
                raise ConnectionResetError("stream lost")

            delivery._ack = lost
        return delivery

    def close(self):
        self.closes += 1


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(dispatcher_module, "RECONNECT_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(dispatcher_module, "RECONNECT_MAX_SECONDS", 0.02)


def create(api, flavor, image):
    body = {"server": {"name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id)}}
    response = api.call("POST", "servers", body)
    assert response.status_code == 202, response.content
    return int(response.data["server"]["id"])


def run_until(dispatcher, done, limit=400):
    calls = {"n": 0}

    def should_stop():
        calls["n"] += 1
        return done() or calls["n"] > limit

    dispatcher.run(should_stop=should_stop, poll_seconds=0.01)


def test_outage_at_start_and_while_consuming(alice, backend, flavor, image, quota, tmp_path):
    server_id = create(alice, flavor, image)
    transport = Flaky(tmp_path / "queue", down_calls=3)
    publisher = SpoolTransport(tmp_path / "queue")
    publisher.declare_queue("cyclades-events", ["ganeti.#.event.*"])
    for message in fake.cluster_for("cluster-a").run_jobs():
        publisher.publish(routing_key("snf", "op"), to_json(message))
    dispatcher = Dispatcher(transport, "cyclades-events")

    def built():
        return Server.objects.get(pk=server_id).operstate == "STARTED"

    run_until(dispatcher, built)
    assert built() and not quota.pending()
    assert transport.declares >= 1 and transport.closes >= 3


def test_lost_ack_is_redelivered_and_changes_nothing(alice, backend, flavor, image, quota,
                                                      tmp_path):
    server_id = create(alice, flavor, image)
    transport = Flaky(tmp_path / "queue", lose_first_ack=True)
    transport.declare_queue("cyclades-events", ["ganeti.#.event.*"])
    for message in fake.cluster_for("cluster-a").run_jobs():
        transport.publish(routing_key("snf", "op"), to_json(message))
    dispatcher = Dispatcher(transport, "cyclades-events")
    handled = dispatcher.run(should_stop=lambda: False, poll_seconds=0.01, drain=True)
    assert transport.closes == 1                # the dispatcher dropped the broken connection
    server = Server.objects.get(pk=server_id)
    assert server.operstate == "STARTED" and not quota.pending()
    assert handled >= 2
