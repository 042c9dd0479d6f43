"""The update path's consumer: queue message -> handler transaction -> commissions -> ack.

A message is acknowledged only after its transaction committed, so a crash
before the ack means redelivery, and redelivery is harmless (handlers ignore
events not newer than what the server already shows). A message that cannot be
parsed is a dead letter: stored in the database and acknowledged. A message
whose handler keeps failing is requeued a few times, then dead-lettered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from cyclades.compute import commissions
from cyclades.updates.handlers import instance
from cyclades.updates.models import DeadLetter
from snf_common.ganeti_events import BadMessage, BuildProgress, NetworkStatus, OpStatus, from_json
from snf_common.queue.base import Delivery, QueueError, QueueTransport

log = logging.getLogger(__name__)

BINDINGS = ["ganeti.#.event.*"]
MAX_ATTEMPTS = 5
RESOLVE_EVERY_SECONDS = 30.0
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0


def dead_letter(delivery: Delivery, reason: str) -> None:
    DeadLetter.objects.create(routing_key=delivery.routing_key, body=delivery.body,
                              reason=reason[:2000])
    log.warning("dead letter %s (%s): %s", delivery.message_id, delivery.routing_key, reason)


def apply(message: OpStatus | NetworkStatus | BuildProgress) -> int | None:
    """Run the handler for one parsed message; returns the server it touched."""
    if isinstance(message, OpStatus):
        return instance.process_op_status(message)
    if isinstance(message, BuildProgress):
        return instance.process_build_progress(message)
    if isinstance(message, NetworkStatus):
        from cyclades.updates.handlers import network

        network.process_network_status(message)
        return None
    log.info("ignoring %s message", message.type)
    return None


class Dispatcher:
    def __init__(self, transport: QueueTransport, queue: str | None = None) -> None:
        self.transport = transport
        self.queue = queue or settings.CYCLADES_EVENTS_QUEUE
        self.failures: dict[str, int] = {}
        self.last_resolve = 0.0

    def setup(self) -> None:
        self.transport.declare_queue(self.queue, BINDINGS)
        commissions.resolve()   # finish whatever a crash left decided but unresolved

    def _settle(self, delivery: Delivery, ack: bool = True) -> None:
        """Ack (or requeue); a broker gone meanwhile just means a harmless redelivery."""
        try:
            delivery.ack() if ack else delivery.nack(requeue=True)
        except Exception as exc:  # pika raises many kinds once the connection is lost
            log.warning("could not %s message %s (%s); the broker will redeliver it",
                        "ack" if ack else "requeue", delivery.message_id, exc)
            self.transport.close()

    def reconnect(self, error: Exception, should_stop: Callable[[], bool]) -> bool:
        """Wait for the queue to come back (backing off), then declare it again.

        Producers keep what they publish meanwhile in their outboxes, so nothing is
        lost; commissions keep being resolved while we wait. False if asked to stop.
        """
        delay = RECONNECT_FIRST_SECONDS
        log.warning("queue unreachable (%s); reconnecting", error)
        while not should_stop():
            self.transport.close()
            self._sleep(delay, should_stop)
            try:
                self.idle()
            except Exception:  # Astakos down too: resolve later
                log.exception("resolving commissions failed")
            try:
                self.setup()
            except QueueError as exc:
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                log.warning("queue still unreachable (%s); next try in %.1fs", exc, delay)
                continue
            log.info("queue reachable again")
            return True
        return False

    @staticmethod
    def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
        deadline = time.monotonic() + seconds
        while not should_stop() and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def handle(self, delivery: Delivery) -> None:
        close_old_connections()
        try:
            message = from_json(delivery.body)
        except BadMessage as exc:
            dead_letter(delivery, str(exc))
            self._settle(delivery)
            return
        try:
            server_id = apply(message)
        except Exception as exc:  # a handler bug or a DB outage: retry, then give up
            attempts = self.failures.get(delivery.message_id, 0) + 1
            self.failures[delivery.message_id] = attempts
            log.exception("message %s failed (attempt %d)", delivery.message_id, attempts)
            if attempts >= MAX_ATTEMPTS:
                self.failures.pop(delivery.message_id, None)
                dead_letter(delivery, f"handler failed {attempts} times: {exc}")
                self._settle(delivery)
            else:
                time.sleep(min(2.0, 0.1 * 2 ** attempts))
                self._settle(delivery, ack=False)
            return
        self.failures.pop(delivery.message_id, None)
        if server_id is not None:
            commissions.resolve(server_id)
        if settings.CYCLADES_DISPATCHER_HOLD_BEFORE_ACK_SECONDS:   # crash tests aim here
            time.sleep(settings.CYCLADES_DISPATCHER_HOLD_BEFORE_ACK_SECONDS)
        self._settle(delivery)

    def idle(self) -> None:
        now = time.monotonic()
        if now - self.last_resolve >= RESOLVE_EVERY_SECONDS:
            self.last_resolve = now
            commissions.resolve()

    def run(self, *, should_stop: Callable[[], bool], poll_seconds: float = 1.0,
            drain: bool = False) -> int:
        """Consume until should_stop() (or, with drain, until the queue is empty)."""
        try:
            self.setup()
        except QueueError as exc:
            if not self.reconnect(exc, should_stop):
                return 0
        handled = 0
        while not should_stop():
            try:
                delivery = self.transport.get(self.queue, timeout=poll_seconds)
            except Exception as exc:  # QueueError, or a client library error that escaped it
                if drain:
                    raise
                if not self.reconnect(exc, should_stop):
                    break
                continue
            if delivery is None:
                self.idle()
                if drain:
                    break
                continue
            self.handle(delivery)
            handled += 1
        return handled
