"""Publish update-path messages without losing any: snf_common's ReliablePublisher
(the queue, or a durable local outbox when the queue is unreachable, drained in
order by the next publish or flush) opened from the node-side settings.

A hook, the progress reporter and eventd each drain the outbox before sending
anything new, so the queue sees messages in the order they were made.
"""

from __future__ import annotations

from pathlib import Path

from snf_common.queue import ReliablePublisher, open_transport
from snf_common.queue.base import QueueError, QueueTransport
from snf_common.queue.outbox import OUTBOX_QUEUE
from snf_common.queue.spool import SpoolTransport

# A hook runs inside a Ganeti job: retry a broken broker once, then use the outbox.
HOOK_RETRIES = 1

Notifier = ReliablePublisher


def open_queue(queue_url: str, state_dir: str, retries: int | None = None) -> QueueTransport:
    """The configured transport; QueueError when it cannot be opened."""
    try:
        transport = open_transport(queue_url, state_dir)
    except QueueError:
        raise
    except Exception as exc:  # a bad URL or a refused connection only diverts to the outbox
        raise QueueError(f"cannot open queue: {exc}") from None
    if retries is not None and hasattr(transport, "retries"):
        transport.retries = retries
    return transport


def notifier_from_settings(settings: dict, retries: int | None = HOOK_RETRIES) -> Notifier:
    url, state_dir = settings["QUEUE_URL"], settings["STATE_DIR"]
    return ReliablePublisher(lambda: open_queue(url, state_dir, retries),
                             settings["GTOOLS_OUTBOX_DIR"])


def outbox_pending(outbox_dir: str | Path) -> int:
    """How many messages wait in an outbox directory (for status output and tests)."""
    if not Path(outbox_dir).is_dir():
        return 0
    return SpoolTransport(outbox_dir).pending(OUTBOX_QUEUE)
