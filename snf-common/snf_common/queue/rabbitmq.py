"""RabbitMQ transport (pika): durable topic exchange and queues, publisher confirms.

Every message is persistent and published with confirms, so publish() returns
only once the broker has it. Unroutable messages go to an alternate exchange
and wait in `<exchange>.unrouted` until a queue that matches them is declared
(the same promise as the spool). A dropped connection is re-opened with
exponential backoff; a pika connection is not thread-safe, so use one transport
per thread.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse, urlunparse

import pika
import pika.exceptions

from snf_common.queue.base import Delivery, QueueError, QueueTransport
from snf_common.queue.routing import topic_matches

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_EXCHANGE = "synnefo"
POLL_SECONDS = 0.05
CONNECTION_ERRORS = (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError,
                     pika.exceptions.StreamLostError, ConnectionError, OSError)


class RabbitMQTransport(QueueTransport):
    def __init__(self, url: str, *, exchange: str | None = None, retries: int = 5,
                 backoff_seconds: float = 0.5) -> None:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        self.exchange = exchange or query.pop("exchange", [DEFAULT_EXCHANGE])[0]
        rest = "&".join(f"{k}={v[0]}" for k, v in query.items())
        self.url = urlunparse(parsed._replace(query=rest))
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None
        self._bindings: dict[str, list[str]] = {}

    @property
    def unrouted_queue(self) -> str:
        return f"{self.exchange}.unrouted"

    # -- connection -------------------------------------------------------
    def _connect(self) -> None:
        params = pika.URLParameters(self.url)
        params.heartbeat = 60
        params.blocked_connection_timeout = 30
        params.connection_attempts = 1
        params.socket_timeout = 5
        self._connection = pika.BlockingConnection(params)
        channel = self._connection.channel()
        channel.confirm_delivery()
        channel.exchange_declare(self.unrouted_queue, exchange_type="fanout", durable=True)
        channel.queue_declare(self.unrouted_queue, durable=True)
        channel.queue_bind(self.unrouted_queue, self.unrouted_queue)
        channel.exchange_declare(self.exchange, exchange_type="topic", durable=True,
                                 arguments={"alternate-exchange": self.unrouted_queue})
        self._channel = channel

    def _with_channel(self, action: Callable[[Any], T]) -> T:
        delay = self.backoff_seconds
        for attempt in range(self.retries + 1):
            try:
                if self._channel is None or not self._channel.is_open:
                    self._connect()
                return action(self._channel)
            except CONNECTION_ERRORS as exc:
                self._drop()
                if attempt == self.retries:
                    raise QueueError(f"RabbitMQ unreachable: {exc.__class__.__name__}: {exc}") \
                        from None
                log.warning("RabbitMQ connection failed (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)
        raise AssertionError("unreachable")

    def _drop(self) -> None:
        try:
            if self._connection is not None and self._connection.is_open:
                self._connection.close()
        except Exception:  # closing a broken connection may fail in many ways
            pass
        self._connection = None
        self._channel = None

    def close(self) -> None:
        self._drop()

    # -- contract ---------------------------------------------------------
    def declare_queue(self, queue: str, bindings: Iterable[str]) -> None:
        patterns = sorted(set(bindings))

        def declare(channel: Any) -> None:
            channel.queue_declare(queue, durable=True)
            for pattern in patterns:
                channel.queue_bind(queue, self.exchange, routing_key=pattern)

        self._with_channel(declare)
        self._bindings[queue] = patterns
        self._claim_unrouted(patterns)

    def _claim_unrouted(self, patterns: list[str]) -> None:
        """Re-publish parked messages that the new bindings now route."""
        def drain(channel: Any) -> None:
            kept = []
            while True:
                method, props, body = channel.basic_get(self.unrouted_queue, auto_ack=False)
                if method is None:
                    break
                if any(topic_matches(p, method.routing_key) for p in patterns):
                    channel.basic_publish(self.exchange, method.routing_key, body,
                                          properties=props, mandatory=False)
                    channel.basic_ack(method.delivery_tag)
                else:
                    kept.append(method.delivery_tag)
            for tag in kept:
                channel.basic_nack(tag, requeue=True)

        self._with_channel(drain)

    def publish(self, routing_key: str, body: bytes) -> None:
        props = pika.BasicProperties(delivery_mode=2, message_id=uuid.uuid4().hex,
                                     content_type="application/json")

        def send(channel: Any) -> None:
            try:
                channel.basic_publish(self.exchange, routing_key, body, properties=props)
            except pika.exceptions.NackError:
                raise QueueError(f"broker refused message for {routing_key}") from None

        self._with_channel(send)

    def get(self, queue: str, timeout: float = 0.0) -> Delivery | None:
        deadline = time.monotonic() + timeout
        while True:
            fetched = self._with_channel(lambda ch: (ch, *ch.basic_get(queue, auto_ack=False)))
            channel, method, props, body = fetched
            if method is not None:
                return self._delivery(channel, method, props, body)
            if time.monotonic() >= deadline:
                return None
            try:
                self._connection.process_data_events(time_limit=POLL_SECONDS)
            except CONNECTION_ERRORS:
                self._drop()   # the next basic_get reconnects with backoff

    def _delivery(self, channel: Any, method: Any, props: Any, body: bytes) -> Delivery:
        tag = method.delivery_tag

        # On a lost connection the broker requeues the message by itself; the caller
        # learns it through QueueError and must not count the message as settled.
        def ack() -> None:
            try:
                channel.basic_ack(tag)
            except CONNECTION_ERRORS as exc:
                self._drop()
                raise QueueError(f"ack lost with the connection: {exc}") from None

        def nack(requeue: bool) -> None:
            try:
                channel.basic_nack(tag, requeue=requeue)
            except CONNECTION_ERRORS as exc:
                self._drop()
                raise QueueError(f"nack lost with the connection: {exc}") from None

        return Delivery(routing_key=method.routing_key, body=body,
                        message_id=(props.message_id or "") if props else "",
                        redelivered=bool(method.redelivered), _ack=ack, _nack=nack)

    def delete_queue(self, queue: str) -> None:
        self._with_channel(lambda ch: ch.queue_delete(queue))

    def delete_exchange(self) -> None:
        def drop(channel: Any) -> None:
            channel.exchange_delete(self.exchange)
            channel.queue_delete(self.unrouted_queue)
            channel.exchange_delete(self.unrouted_queue)

        self._with_channel(drop)
