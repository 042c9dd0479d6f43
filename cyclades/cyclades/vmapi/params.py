"""Store a server's secret OS parameters under a one-time uuid; hand them out once.

The create job carries only `config_url`; the password, the personality files
and the image properties are fetched by snf-image from Cyclades while the job
runs, and are deleted at that moment (or when they expire unread).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import time
import uuid as uuidlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cyclades.vmapi.models import ServerParams

log = logging.getLogger(__name__)

# snf-image OS parameters that must not sit in Ganeti's job queue.
SECRET_OSPARAMS = ("img_passwd", "img_passwd_hash", "img_personality", "img_properties",
                   "auth_keys")


def base_url() -> str:
    return (settings.CYCLADES_BASE_URL or "http://127.0.0.1:8702").rstrip("/")


def config_url(key: str) -> str:
    return f"{base_url()}/vmapi/v1.0/server-params/{key}"


def _row_id(key: str) -> str:
    return hashlib.sha256(b"vmapi-row:" + key.encode()).hexdigest()


def _cipher(key: str) -> Fernet:
    digest = hashlib.sha256(b"vmapi-key:" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _open(row: ServerParams, key: str) -> dict[str, Any] | None:
    try:
        return json.loads(_cipher(key).decrypt(row.sealed.encode()))
    except (InvalidToken, ValueError):
        log.error("server %s: deployment parameters do not decrypt", row.server_id)
        return None


# Expired documents are refused when asked for (take); deleting them is housekeeping,
# done by a storing process at most this often rather than in every create.
PURGE_EVERY_SECONDS = 60.0
_last_purge: float | None = None


def purge_expired() -> int:
    """Delete the documents whose time ran out unread; returns how many."""
    global _last_purge
    _last_purge = time.monotonic()
    deleted, _ = ServerParams.objects.filter(expires__lt=timezone.now()).delete()
    return deleted


def store(server_id: int, params: dict[str, Any]) -> str:
    """Keep `params` (encrypted) until fetched or expired; returns the uuid."""
    if _last_purge is None or time.monotonic() - _last_purge >= PURGE_EVERY_SECONDS:
        purge_expired()
    now = timezone.now()
    key = str(uuidlib.uuid4())
    ttl = datetime.timedelta(seconds=settings.CYCLADES_VMAPI_TTL_SECONDS)
    sealed = _cipher(key).encrypt(json.dumps(params).encode()).decode()
    ServerParams.objects.create(key_hash=_row_id(key), server_id=server_id, sealed=sealed,
                                expires=now + ttl)
    return key


def take(key: str) -> dict[str, Any] | None:
    """The document, deleted as it is read; None when unknown, used or expired."""
    with transaction.atomic():
        row = ServerParams.objects.select_for_update().filter(pk=_row_id(key)).first()
        if row is None:
            return None
        row.delete()
    if row.expires < timezone.now():
        log.warning("server %s: deployment parameters expired unread", row.server_id)
        return None
    log.info("server %s: deployment parameters fetched", row.server_id)
    return _open(row, key)


def peek(key: str) -> dict[str, Any] | None:
    """The document without consuming it (the in-memory test cluster reads it this way)."""
    row = ServerParams.objects.filter(pk=_row_id(key)).first()
    return None if row is None else _open(row, key)


def row_id(key: str) -> str:
    """The primary key of a document's row (for administration and tests)."""
    return _row_id(key)


def seal_osparams(server_id: int, osparams: dict[str, Any]) -> dict[str, Any]:
    """Move the secret parameters out of `osparams` into a one-time document."""
    secret = {k: osparams[k] for k in SECRET_OSPARAMS if k in osparams}
    public = {k: v for k, v in osparams.items() if k not in SECRET_OSPARAMS}
    if not secret:
        return public
    public["config_url"] = config_url(store(server_id, secret))
    return public


def key_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]
