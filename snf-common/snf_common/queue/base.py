"""The queue transport contract: durable publish with a routing key, consume with ack.

Two implementations fulfil it: `spool` (a local durable directory, the embedded
default) and `rabbitmq` (pika, durable topic exchange and queues, publisher
confirms). Routing keys are dotted words; bindings use AMQP topic patterns
(`*` one word, `#` zero or more words).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass


class QueueError(Exception):
    """The transport is unreachable or refused a message."""


@dataclass
class Delivery:
    """One received message; call exactly one of ack() or nack() when done with it."""

    routing_key: str
    body: bytes
    message_id: str
    redelivered: bool
    _ack: Callable[[], None]
    _nack: Callable[[bool], None]

    def ack(self) -> None:
        self._ack()

    def nack(self, requeue: bool = True) -> None:
        self._nack(requeue)


class QueueTransport(ABC):
    @abstractmethod
    def declare_queue(self, queue: str, bindings: Iterable[str]) -> None:
        """Create a durable queue bound to routing-key patterns (idempotent)."""

    @abstractmethod
    def publish(self, routing_key: str, body: bytes) -> None:
        """Store durably for every bound queue; returns only once the broker confirmed."""

    @abstractmethod
    def get(self, queue: str, timeout: float = 0.0) -> Delivery | None:
        """Take the next message (waiting up to `timeout` seconds), unacknowledged."""

    def consume(self, queue: str, handler: Callable[[Delivery], None], *,
                should_stop: Callable[[], bool], poll_seconds: float = 1.0) -> None:
        """Call handler for each message until should_stop(); handler acks or nacks."""
        while not should_stop():
            delivery = self.get(queue, timeout=poll_seconds)
            if delivery is not None:
                handler(delivery)

    def close(self) -> None:
        """Release the connection."""
