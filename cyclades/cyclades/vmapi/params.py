"""Store a server's secret OS parameters under a one-time uuid; hand them out once.

The create job carries only `config_url`; the password, the personality files
and the image properties are fetched by snf-image from Cyclades while the job
runs, and are deleted at that moment (or when they expire unread).
"""

from __future__ import annotations

import datetime
import logging
import uuid as uuidlib
from typing import Any

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


def store(server_id: int, params: dict[str, Any]) -> str:
    """Keep `params` for the server until fetched or expired; returns the uuid."""
    now = timezone.now()
    ServerParams.objects.filter(expires__lt=now).delete()   # cheap: indexed, usually none
    key = str(uuidlib.uuid4())
    ttl = datetime.timedelta(seconds=settings.CYCLADES_VMAPI_TTL_SECONDS)
    ServerParams.objects.create(uuid=key, server_id=server_id, params=params,
                                expires=now + ttl)
    return key


def take(key: str) -> dict[str, Any] | None:
    """The document, deleted as it is read; None when unknown, used or expired."""
    with transaction.atomic():
        row = ServerParams.objects.select_for_update().filter(pk=key).first()
        if row is None:
            return None
        row.delete()
    if row.expires < timezone.now():
        log.warning("server %s: deployment parameters %s expired unread", row.server_id, key)
        return None
    log.info("server %s: deployment parameters fetched", row.server_id)
    return row.params


def peek(key: str) -> dict[str, Any] | None:
    """The document without consuming it (the in-memory test cluster reads it this way)."""
    row = ServerParams.objects.filter(pk=key).first()
    return None if row is None else row.params


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
