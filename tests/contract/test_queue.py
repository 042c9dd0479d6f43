"""One contract, two transports: the local spool and the real RabbitMQ on 127.0.0.1:5672."""

from __future__ import annotations

import multiprocessing
import os
import socket
import uuid

import pytest

from snf_common.queue import ReliablePublisher, open_transport
from snf_common.queue.rabbitmq import RabbitMQTransport
from snf_common.queue.routing import topic_matches
from snf_common.queue.spool import SpoolTransport

RABBIT = ("127.0.0.1", 5672)


def rabbit_up() -> bool:
    try:
        socket.create_connection(RABBIT, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=["spool", "rabbitmq"])
def make_transport(request, tmp_path):
    """A factory: every call opens a new connection to the same queue system."""
    if request.param == "spool":
        url = f"spool://{tmp_path / 'spool'}"
    else:
        if not rabbit_up():
            pytest.skip("no RabbitMQ server answers on 127.0.0.1:5672")
        url = f"amqp://guest:guest@127.0.0.1:5672/%2F?exchange=test-{uuid.uuid4().hex[:12]}"
    opened = []
    declared = set()

    def factory():
        transport = open_transport(url)
        opened.append(transport)
        return transport

    factory.url = url
    factory.declared = declared
    yield factory
    if request.param == "rabbitmq":
        cleaner = open_transport(url)
        for queue in declared:
            cleaner.delete_queue(queue)
        cleaner.delete_exchange()
        cleaner.close()
    for transport in opened:
        transport.close()


def declare(factory, transport, bindings):
    name = f"q-{uuid.uuid4().hex[:10]}"
    factory.declared.add(name)
    transport.declare_queue(name, bindings)
    return name


def test_published_message_reaches_a_bound_queue_once(make_transport):
    transport = make_transport()
    queue = declare(make_transport, transport, ["ganeti.*.event.op"])
    transport.publish("ganeti.snf.event.op", b'{"a": 1}')
    delivery = transport.get(queue, timeout=5)
    assert delivery is not None
    assert (delivery.routing_key, delivery.body, delivery.redelivered) == \
        ("ganeti.snf.event.op", b'{"a": 1}', False)
    delivery.ack()
    assert transport.get(queue, timeout=0.3) is None


def test_routing_keys_only_reach_matching_queues(make_transport):
    transport = make_transport()
    ops = declare(make_transport, transport, ["ganeti.*.event.op"])
    everything = declare(make_transport, transport, ["ganeti.#"])
    transport.publish("ganeti.snf.event.progress", b"p")
    assert transport.get(ops, timeout=0.3) is None
    got = transport.get(everything, timeout=5)
    assert got is not None and got.body == b"p"
    got.ack()


def test_nack_with_requeue_redelivers(make_transport):
    transport = make_transport()
    queue = declare(make_transport, transport, ["k"])
    transport.publish("k", b"again")
    transport.get(queue, timeout=5).nack(requeue=True)
    second = transport.get(queue, timeout=5)
    assert second.body == b"again" and second.redelivered
    second.ack()


def test_messages_keep_their_order(make_transport):
    transport = make_transport()
    queue = declare(make_transport, transport, ["k"])
    for i in range(50):
        transport.publish("k", str(i).encode())
    received = []
    for _ in range(50):
        delivery = transport.get(queue, timeout=5)
        received.append(int(delivery.body))
        delivery.ack()
    assert received == list(range(50))


def test_message_published_before_the_queue_exists_is_not_lost(make_transport):
    transport = make_transport()
    transport.publish("late.key", b"early bird")
    queue = declare(make_transport, transport, ["late.#"])
    delivery = transport.get(queue, timeout=5)
    assert delivery is not None and delivery.body == b"early bird"
    delivery.ack()


def test_messages_survive_a_new_connection(make_transport):
    first = make_transport()
    queue = declare(make_transport, first, ["k"])
    first.publish("k", b"durable")
    first.close()
    second = make_transport()
    delivery = second.get(queue, timeout=5)
    assert delivery is not None and delivery.body == b"durable"
    delivery.ack()


def _take_and_die(url, queue, ready):
    transport = open_transport(url)
    delivery = transport.get(queue, timeout=5)
    ready.put(delivery.body if delivery else None)
    os._exit(0)  # a crash: no ack, no clean close


def test_message_taken_by_a_consumer_that_dies_is_redelivered(make_transport):
    transport = make_transport()
    queue = declare(make_transport, transport, ["k"])
    transport.publish("k", b"work")
    ctx = multiprocessing.get_context("fork")
    ready = ctx.SimpleQueue()
    child = ctx.Process(target=_take_and_die, args=(make_transport.url, queue, ready))
    child.start()
    assert ready.get() == b"work"
    child.join(10)
    delivery = transport.get(queue, timeout=10)
    assert delivery is not None and delivery.body == b"work" and delivery.redelivered
    delivery.ack()


def _consume_all(url, queue, results):
    transport = open_transport(url)
    seen = []
    while True:
        delivery = transport.get(queue, timeout=1.0)
        if delivery is None:
            break
        seen.append(int(delivery.body))
        delivery.ack()
    results.put(seen)
    transport.close()


def test_competing_consumers_in_processes_get_each_message_exactly_once(make_transport):
    transport = make_transport()
    queue = declare(make_transport, transport, ["k"])
    for i in range(200):
        transport.publish("k", str(i).encode())
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    workers = [ctx.Process(target=_consume_all, args=(make_transport.url, queue, results))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    seen = []
    for _ in workers:
        seen += results.get(timeout=60)
    for worker in workers:
        worker.join(10)
    assert sorted(seen) == list(range(200))


def test_outbox_keeps_messages_while_the_broker_is_away_and_forwards_them_in_order(
        make_transport, tmp_path):
    target = make_transport()
    queue = declare(make_transport, target, ["ev.#"])
    broker_up = {"value": False}

    def factory():
        if not broker_up["value"]:
            return RabbitMQTransport("amqp://guest:guest@127.0.0.1:1/%2F", retries=0)  # no one listens
        return make_transport()

    publisher = ReliablePublisher(factory, tmp_path / "outbox")
    assert publisher.publish("ev.1", b"1") is False
    assert publisher.publish("ev.2", b"2") is False
    broker_up["value"] = True
    publisher._reset()
    assert publisher.publish("ev.3", b"3") is True
    bodies = []
    for _ in range(3):
        delivery = target.get(queue, timeout=5)
        bodies.append(delivery.body)
        delivery.ack()
    assert bodies == [b"1", b"2", b"3"]
    publisher.close()


@pytest.mark.parametrize(("pattern", "key", "expected"), [
    ("a.*.c", "a.b.c", True), ("a.*.c", "a.b.b.c", False), ("a.#", "a", True),
    ("a.#", "a.b.c", True), ("#", "x.y", True), ("a.#.c", "a.c", True), ("a.b", "a.c", False),
])
def test_topic_patterns(pattern, key, expected):
    assert topic_matches(pattern, key) is expected


def test_spool_refuses_undeclared_queue(tmp_path):
    with pytest.raises(ValueError, match="not declared"):
        SpoolTransport(tmp_path).get("nope")


def test_rabbitmq_ack_on_a_lost_connection_raises_and_the_message_comes_back():
    if not rabbit_up():
        pytest.skip("no RabbitMQ server answers on 127.0.0.1:5672")
    from snf_common.queue.base import QueueError

    transport = RabbitMQTransport(
        f"amqp://guest:guest@127.0.0.1:5672/%2F?exchange=test-{uuid.uuid4().hex[:12]}")
    queue = f"q-{uuid.uuid4().hex[:10]}"
    try:
        transport.declare_queue(queue, ["k"])
        transport.publish("k", b"m")
        delivery = transport.get(queue, timeout=5)
        transport._connection.close()      # the broker connection drops under the consumer
        with pytest.raises(QueueError):
            delivery.ack()
        again = transport.get(queue, timeout=5)   # reconnects; the broker requeued it
        assert again is not None and again.body == b"m" and again.redelivered
        again.ack()
    finally:
        transport.delete_queue(queue)
        transport.delete_exchange()
        transport.close()
