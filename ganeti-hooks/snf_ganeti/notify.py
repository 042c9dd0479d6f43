"""Publish update-path messages; keep what the queue does not take in a durable outbox.

A message is either confirmed by the queue or written to the outbox directory
(one file per message, fsynced, then renamed into place), never lost. The outbox
is drained in name order (names start with a nanosecond timestamp) by the next
hook run, by the progress reporter and by eventd, before anything new is sent,
so the queue sees messages in the order they were made.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from snf_common.queue.base import QueueError, QueueTransport

log = logging.getLogger(__name__)

TransportFactory = Callable[[], QueueTransport]


def open_queue(queue_url: str, state_dir: str) -> QueueTransport:
    """The configured transport; QueueError when it cannot be reached or is not installed."""
    try:
        from snf_common.queue import open_transport  # lands with the spool/RabbitMQ drivers
    except ImportError as exc:
        raise QueueError(f"no queue transport available: {exc}") from None
    try:
        return open_transport(queue_url, state_dir)
    except QueueError:
        raise
    except Exception as exc:  # a refused connection must only divert to the outbox
        raise QueueError(f"cannot open queue: {exc}") from None


class Outbox:
    """A directory of messages waiting for the queue."""

    SUFFIX = ".msg"

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def put(self, routing_key: str, body: bytes) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{self.SUFFIX}"
        record = json.dumps({"routing_key": routing_key, "body": body.decode()}).encode()
        tmp = self.path / f".{name}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(record)
            handle.flush()
            os.fsync(handle.fileno())
        final = self.path / name
        os.rename(tmp, final)
        _fsync_dir(self.path)
        return final

    def pending(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if p.name.endswith(self.SUFFIX))

    def drain(self, transport: QueueTransport) -> int:
        """Send pending messages in order; stop at the first failure. Returns how many went."""
        if not self.path.is_dir():
            return 0
        sent = 0
        with open(self.path / ".lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # another process is draining; it keeps the order
            for item in self.pending():
                try:
                    record = json.loads(item.read_bytes())
                except FileNotFoundError:
                    continue
                except ValueError:
                    log.error("outbox: unreadable message %s moved aside", item.name)
                    item.rename(item.with_suffix(".bad"))
                    continue
                transport.publish(record["routing_key"], record["body"].encode())
                item.unlink()
                sent += 1
        return sent


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Notifier:
    """Sends messages through a transport opened on first use; falls back to the outbox."""

    def __init__(self, transport_factory: TransportFactory, outbox: Outbox):
        self.transport_factory = transport_factory
        self.outbox = outbox
        self._transport: QueueTransport | None = None

    def _connected(self) -> QueueTransport:
        if self._transport is None:
            self._transport = self.transport_factory()
        return self._transport

    def _drop_transport(self) -> None:
        if self._transport is not None:
            try:
                self._transport.close()
            except Exception:  # already broken; nothing more to release
                pass
        self._transport = None

    def flush(self) -> int:
        """Forward the outbox; returns the number sent (0 when the queue is down)."""
        if not self.outbox.pending():
            return 0
        try:
            return self.outbox.drain(self._connected())
        except QueueError as exc:
            log.warning("queue unreachable, outbox kept: %s", exc)
            self._drop_transport()
            return 0

    def publish(self, routing_key: str, body: bytes) -> bool:
        """True when the queue confirmed it, False when it went to the outbox."""
        try:
            transport = self._connected()
            if self.outbox.pending():
                self.outbox.drain(transport)
                if self.outbox.pending():
                    raise QueueError("outbox not drained (another process holds it)")
            transport.publish(routing_key, body)
            return True
        except QueueError as exc:
            log.warning("queue unreachable, message %s kept in outbox: %s", routing_key, exc)
            self._drop_transport()
            self.outbox.put(routing_key, body)
            return False

    def close(self) -> None:
        self._drop_transport()


def notifier_from_settings(settings: dict) -> Notifier:
    url, state_dir = settings["QUEUE_URL"], settings["STATE_DIR"]
    return Notifier(lambda: open_queue(url, state_dir), Outbox(settings["GTOOLS_OUTBOX_DIR"]))
