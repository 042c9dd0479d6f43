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
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from cyclades.backends.ganeti import jobs
from cyclades.compute import commissions
from cyclades.compute.models import Server
from cyclades.updates.handlers import instance
from cyclades.updates.models import DeadLetter
from snf_common.ganeti_events import (
    FINAL_STATUSES,
    BadMessage,
    BuildProgress,
    NetworkStatus,
    OpStatus,
    from_json,
)
from snf_common.queue.base import Delivery, QueueError, QueueTransport

log = logging.getLogger(__name__)

BINDINGS = ["ganeti.#.event.*"]
MAX_ATTEMPTS = 5
RESOLVE_EVERY_SECONDS = 30.0
BATCH_MAX = 64   # messages taken at once: one commission round trip, one state read
# Committed messages wait this long for more, so that one resolve call (and then their
# acks) serves several final statuses arriving a few at a time.
RESOLVE_WINDOW_SECONDS = 0.25
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0


def dead_letter(delivery: Delivery, reason: str) -> None:
    DeadLetter.objects.create(routing_key=delivery.routing_key, body=delivery.body,
                              reason=reason[:2000])
    log.warning("dead letter %s (%s): %s", delivery.message_id, delivery.routing_key, reason)


def apply(message: OpStatus | NetworkStatus | BuildProgress,
          states: dict[int, tuple] | None = None) -> int | None:
    """Run the handler for one parsed message; returns the server it touched (and, for an
    op-status, leaves the server's committed backend fields in `states`)."""
    if isinstance(message, OpStatus):
        return instance.process_op_status(message, states)
    if isinstance(message, BuildProgress):
        return instance.process_build_progress(message)
    if isinstance(message, NetworkStatus):
        from cyclades.updates.handlers import network

        network.process_network_status(message)
        return None
    log.info("ignoring %s message", message.type)
    return None


def _server_of(message: Any) -> int | None:
    return jobs.server_id_of(message.instance) if isinstance(message, OpStatus) else None


def _decides(message: Any) -> bool:
    """Only a final status decides commissions; resolving after anything else would be a
    query for nothing (leftovers of a crash are resolved when that final status is
    redelivered, at start, and while idle)."""
    return isinstance(message, OpStatus) and message.status in FINAL_STATUSES


def _superseded(parsed: list[tuple[Delivery, Any]]) -> dict[int, int]:
    """{index: index of the later message that makes it redundant}.

    A queued/waiting/running op-status without NICs or disks sets only the server's
    backend_* fields; a later op-status of the same instance with a newer event_time
    overwrites every one of them, so applying just the later one ends the same.
    """
    result: dict[int, int] = {}
    latest: dict[str, tuple[int, list[int]]] = {}   # instance -> (index, event_time)
    for index in range(len(parsed) - 1, -1, -1):
        message = parsed[index][1]
        if not isinstance(message, OpStatus):
            continue
        later = latest.get(message.instance)
        if later is not None and message.status not in FINAL_STATUSES \
                and message.instance_nics is None and message.instance_disks is None \
                and list(message.event_time) < list(later[1]):
            result[index] = result.get(later[0], later[0])
            continue
        if later is None or list(message.event_time) > list(later[1]):
            latest[message.instance] = (index, message.event_time)
    return result


def _backend_states(messages: list[Any]) -> dict[int, tuple]:
    """The backend fields of the servers of the batch's final statuses, in one query (see
    already_applied). Other statuses need no look: their handler is one conditional
    UPDATE that already skips what is not newer."""
    ids = {_server_of(m) for m in messages
           if isinstance(m, OpStatus) and m.status in FINAL_STATUSES}
    ids.discard(None)
    if not ids:
        return {}
    try:
        rows = Server.objects.filter(pk__in=ids).values_list("pk",
                                                            *instance.BACKEND_STATE_FIELDS)
        return {row[0]: tuple(row[1:]) for row in rows}
    except Exception:  # a DB outage: every message takes the full path (and its retries)
        log.exception("reading the batch's server states failed")
        return {}


class Dispatcher:
    def __init__(self, transport: QueueTransport, queue: str | None = None) -> None:
        self.transport = transport
        self.queue = queue or settings.CYCLADES_EVENTS_QUEUE
        self.failures: dict[str, int] = {}
        self.last_resolve = 0.0
        # Committed messages waiting for their commissions to be sent (see flush).
        self.to_ack: list[Delivery] = []
        self.to_resolve: set[int] = set()
        self.flush_at: float | None = None

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
        self.handle_batch([delivery])
        self.flush()

    def take_more(self, limit: int) -> list[Delivery]:
        """Whatever else is waiting now (up to `limit`), without blocking. A queue error
        ends the batch early; the next get() meets it again and reconnects."""
        taken: list[Delivery] = []
        while len(taken) < limit:
            try:
                delivery = self.transport.get(self.queue, timeout=0)
            except Exception as exc:  # noqa: BLE001 - see run()
                log.warning("queue get failed mid-batch (%s); handling what was taken", exc)
                break
            if delivery is None:
                break
            taken.append(delivery)
        return taken

    def handle_batch(self, deliveries: list[Delivery]) -> None:
        """Apply several messages, each in its own transaction, in delivery order; then
        resolve the commissions they decided (one Astakos call) and settle them.

        Every message is acknowledged only after its transaction (or the one that made
        it redundant) committed. Shortcuts that open no transaction at all:
        - a queued/waiting/running status of an instance followed in the same batch by
          a newer status of that instance (which overwrites all it would set), and
        - a message that would change nothing (not newer than the server's last applied
          event, or a repeat of a final status already applied), judged on the server's
          backend fields read once for the whole batch.
        """
        close_old_connections()
        parsed: list[tuple[Delivery, Any]] = []
        for delivery in deliveries:
            try:
                parsed.append((delivery, from_json(delivery.body)))
            except BadMessage as exc:
                dead_letter(delivery, str(exc))
                self._settle(delivery)
        superseded = _superseded(parsed)
        states = _backend_states([m for i, (_, m) in enumerate(parsed) if i not in superseded])
        outcome: dict[int, str] = {}   # index -> "ack" | "requeue"
        touched: set[int] = set()
        for index, (delivery, message) in enumerate(parsed):
            if index in superseded:
                continue
            server_id = _server_of(message)
            if server_id is not None and server_id in states and \
                    instance.already_applied(message, states[server_id]):
                outcome[index] = "ack"
                touched.add(server_id)
                continue
            outcome[index] = self._apply_one(delivery, message, touched, states)
        for index, (delivery, _message) in enumerate(parsed):
            if outcome.get(superseded.get(index, index), "ack") == "ack":
                self.to_ack.append(delivery)
            else:
                self._settle(delivery, ack=False)   # a retry needs no commission sent first
        self.to_resolve |= touched
        if self.flush_at is None:
            hold = settings.CYCLADES_DISPATCHER_HOLD_BEFORE_ACK_SECONDS
            self.flush_at = time.monotonic() + (0.0 if hold else RESOLVE_WINDOW_SECONDS)

    def flush(self, *, force: bool = True) -> None:
        """Resolve the decided commissions at Astakos (one call), then ack the committed
        messages waiting for it. Without `force`, only once the window has passed or
        enough waits: finals that arrive a few at a time then share one resolve call."""
        if not self.to_ack and not self.to_resolve:
            self.flush_at = None
            return
        if not force and len(self.to_ack) < BATCH_MAX and \
                time.monotonic() < (self.flush_at or 0.0):
            return
        touched, self.to_resolve = self.to_resolve, set()
        deliveries, self.to_ack, self.flush_at = self.to_ack, [], None
        if touched:
            try:
                commissions.resolve(server_ids=touched)
            except Exception:  # a DB outage: they stay decided; start and idle resolve them
                log.exception("resolving commissions of servers %s failed", sorted(touched))
        if settings.CYCLADES_DISPATCHER_HOLD_BEFORE_ACK_SECONDS:   # crash tests aim here
            time.sleep(settings.CYCLADES_DISPATCHER_HOLD_BEFORE_ACK_SECONDS)
        for delivery in deliveries:
            self._settle(delivery)

    def _apply_one(self, delivery: Delivery, message: Any, touched: set[int],
                   states: dict[int, tuple]) -> str:
        try:
            server_id = apply(message, states)
        except Exception as exc:  # a handler bug or a DB outage: retry, then give up
            attempts = self.failures.get(delivery.message_id, 0) + 1
            self.failures[delivery.message_id] = attempts
            log.exception("message %s failed (attempt %d)", delivery.message_id, attempts)
            if attempts >= MAX_ATTEMPTS:
                self.failures.pop(delivery.message_id, None)
                dead_letter(delivery, f"handler failed {attempts} times: {exc}")
                return "ack"
            time.sleep(min(2.0, 0.1 * 2 ** attempts))
            return "requeue"
        self.failures.pop(delivery.message_id, None)
        if server_id is not None and _decides(message):
            touched.add(server_id)
        return "ack"

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
        try:
            while not should_stop():
                wait = poll_seconds if self.flush_at is None else \
                    max(0.0, min(poll_seconds, self.flush_at - time.monotonic()))
                try:
                    delivery = self.transport.get(self.queue, timeout=wait)
                except Exception as exc:  # QueueError, or a client library error that escaped it
                    self.flush()   # what committed gets resolved; its acks may fail: harmless
                    if drain:
                        raise
                    if not self.reconnect(exc, should_stop):
                        break
                    continue
                if delivery is None:
                    self.flush(force=drain)
                    self.idle()
                    if drain:
                        break
                    continue
                batch = [delivery] + self.take_more(BATCH_MAX - 1)
                self.handle_batch(batch)
                handled += len(batch)
                self.flush(force=False)
        finally:
            self.flush()
        return handled
