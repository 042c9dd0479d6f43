"""Queue transport: one contract (base.py), a local spool and RabbitMQ behind it."""

from __future__ import annotations

import os
from pathlib import Path

from snf_common.queue.base import Delivery, QueueError, QueueTransport
from snf_common.queue.outbox import ReliablePublisher


def open_transport(url: str, state_dir: str | os.PathLike = "./var") -> QueueTransport:
    """'' -> spool in STATE_DIR/queue; 'spool:///path' -> that spool; 'amqp://...' -> RabbitMQ."""
    if not url:
        from snf_common.queue.spool import SpoolTransport

        return SpoolTransport(Path(state_dir) / "queue")
    if url.startswith("spool://"):
        from snf_common.queue.spool import SpoolTransport

        return SpoolTransport(url[len("spool://"):])
    if url.startswith(("amqp://", "amqps://")):
        from snf_common.queue.rabbitmq import RabbitMQTransport

        return RabbitMQTransport(url)
    raise ValueError(f"QUEUE_URL: unsupported scheme in {url.split('://')[0]!r} "
                     "(use spool:///path or amqp://...)")


__all__ = ["Delivery", "QueueError", "QueueTransport", "ReliablePublisher", "open_transport"]
