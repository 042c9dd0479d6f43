"""Publish without losing anything while the broker is away.

A ReliablePublisher tries the transport; when it is unreachable the message is
written to a local spool outbox instead, and `flush()` forwards the outbox (in
order, each message removed only after the broker confirmed it). Producers on
Ganeti nodes (hooks, eventd) use it; a later publish or a periodic flush drains it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from snf_common.queue.base import QueueError, QueueTransport
from snf_common.queue.spool import SpoolTransport

log = logging.getLogger(__name__)

OUTBOX_QUEUE = "outbox"


class ReliablePublisher:
    def __init__(self, transport_factory: Callable[[], QueueTransport], outbox_dir: str | Path):
        self._factory = transport_factory
        self._transport: QueueTransport | None = None
        self.outbox = SpoolTransport(outbox_dir)
        self.outbox.declare_queue(OUTBOX_QUEUE, ["#"])

    def _target(self) -> QueueTransport:
        if self._transport is None:
            self._transport = self._factory()
        return self._transport

    def publish(self, routing_key: str, body: bytes) -> bool:
        """True when the broker has it, False when it waits in the outbox."""
        if self.outbox.pending(OUTBOX_QUEUE) and not self.flush():
            self.outbox.publish(routing_key, body)  # keep order behind older messages
            return False
        try:
            self._target().publish(routing_key, body)
            return True
        except QueueError as exc:
            log.warning("queue unreachable, message kept in outbox: %s", exc)
            self._reset()
            self.outbox.publish(routing_key, body)
            return False

    def flush(self) -> bool:
        """Forward the outbox; True when it is empty afterwards."""
        while True:
            delivery = self.outbox.get(OUTBOX_QUEUE)
            if delivery is None:
                return True
            try:
                self._target().publish(delivery.routing_key, delivery.body)
            except QueueError as exc:
                log.warning("queue still unreachable, %d waiting: %s",
                            self.outbox.pending(OUTBOX_QUEUE), exc)
                delivery.nack(requeue=True)
                self._reset()
                return False
            delivery.ack()

    def _reset(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport = None

    def close(self) -> None:
        self._reset()
