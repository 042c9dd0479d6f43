"""Per-process cache of validated tokens: sha256 digest -> what a validation answers.

Every request to every service ends in a token validation here, so a live
token's snapshot, its Credentials and the JSON bodies built from it are kept
for ASTAKOS_TOKEN_CACHE_SECONDS (a few seconds). Within the process that makes
a change (revocation, deactivation, a role or state change, a new catalog) the
whole cache is dropped at once and again when the transaction commits; other
processes (gunicorn workers, astakos-manage) see the change when their entries
expire, i.e. within ASTAKOS_TOKEN_CACHE_SECONDS. An entry never outlives its
token's own expiry. Unknown or dead tokens are not cached: they always cost a query.

A generation counter closes the race where a thread reads the old row, another
revokes and drops the cache, and the first then stores what it read.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from astakos.tokens.snapshot import TokenInfo, fetch
from astakos.tokens.tokens import digest
from snf_common.credentials import Credentials

# Past this many live entries the cache starts over (bounds memory; misses are cheap).
MAX_ENTRIES = 50_000
# Per entry, JSON bodies for this many (base URL, variant) keys at most.
MAX_BODIES = 8


class Entry:
    """One validated token; `bodies` memoises the JSON answers built from it."""

    __slots__ = ("info", "credentials", "until", "bodies")

    def __init__(self, info: TokenInfo, credentials: Credentials, until: float) -> None:
        self.info = info
        self.credentials = credentials
        self.until = until
        self.bodies: dict[Any, bytes] = {}

    def body(self, key: Any, build) -> bytes:
        """The memoised body for `key`, built once with `build()`."""
        data = self.bodies.get(key)
        if data is None:
            data = build()
            if len(self.bodies) < MAX_BODIES:
                self.bodies[key] = data
        return data


_clock = time.monotonic  # tests move it forward
_entries: dict[str, Entry] = {}
_lock = threading.Lock()
_generation = 0


def credentials_of(info: TokenInfo, token: str) -> Credentials:
    return Credentials(user_id=info.user_uuid, user_name=info.username,
                       project_id=info.project_id, project_name=info.project_name,
                       roles=info.roles,
                       expires_at=info.expires_at.isoformat() if info.expires_at else "",
                       token=token)


def lookup(token: str) -> Entry | None:
    """The live token's entry (from the cache, or one query), or None."""
    if not token or len(token) > 512:
        return None
    key = digest(token)
    now = _clock()
    entry = _entries.get(key)
    if entry is not None and entry.until > now:
        return entry
    generation = _generation
    info = fetch(token)
    if info is None:
        return None
    ttl = float(settings.ASTAKOS_TOKEN_CACHE_SECONDS)
    if info.expires_at is not None:
        ttl = min(ttl, (info.expires_at - timezone.now()).total_seconds())
    entry = Entry(info, credentials_of(info, token), now + ttl)
    if ttl > 0:
        with _lock:
            # Something changed while we read: what we read may be stale, do not keep it.
            if generation == _generation:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                _entries[key] = entry
    return entry


def _drop() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def forget() -> None:
    """Drop every entry now and when the current transaction commits (if any)."""
    _drop()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_drop)


def size() -> int:
    return len(_entries)
