"""The image service's only way to Pithos: its HTTP API, with the caller's own token.

Cyclades never imports Pithos. Every read or write of a Pithos file is done as the
user who asked, so Pithos' own permissions decide whether a location may be
registered (a file the user cannot read answers 403/404, and nothing is created).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import quote, unquote

from django.conf import settings

from snf_common.clients.base import ClientError
from snf_common.clients.http import new_pool
from snf_common.clients.identity import IdentityClient
from snf_common.clients.object_store import ObjectStoreClient
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Fault, Forbidden, ServiceUnavailable

log = logging.getLogger(__name__)

SCHEME = "pithos://"
_lock = threading.Lock()
_discovered: str | None = None
_session = new_pool()   # one connection pool for every user's requests


@dataclass(frozen=True)
class Location:
    account: str
    container: str
    path: str

    def __str__(self) -> str:
        return f"{SCHEME}{self.account}/{self.container}/{self.path}"


def parse_location(text: object) -> Location:
    """`pithos://<account>/<container>/<path>` (the path may hold '/'), else 400."""
    if not isinstance(text, str) or not text.startswith(SCHEME):
        raise BadRequest(f"Invalid location {text!r}: expected "
                         "pithos://<account>/<container>/<path>.")
    parts = unquote(text[len(SCHEME):]).split("/", 2)
    if len(parts) != 3 or not all(parts) or parts[2].endswith("/"):
        raise BadRequest(f"Invalid location {text!r}: expected "
                         "pithos://<account>/<container>/<path>.")
    return Location(*parts)


def _catalog_root(token: str) -> str:
    """The object-store root from Astakos' catalog (the account part stripped)."""
    catalog = IdentityClient(settings.IDENTITY_URL, token, timeout=10).catalog()
    for service in catalog:
        if service.get("type") != "object-store":
            continue
        for endpoint in service.get("endpoints", []):
            if endpoint.get("interface", "public") != "public":
                continue
            url = endpoint.get("url", "").rstrip("/")
            marker = "/object-store/v1"
            if marker in url:
                return url[:url.index(marker) + len(marker)]
    raise ServiceUnavailable("The catalog has no object-store endpoint for images.")


def object_store_root(credentials: Credentials) -> str:
    """CYCLADES_OBJECT_STORE_URL, or the catalog's object-store root (found once)."""
    global _discovered
    configured = settings.CYCLADES_OBJECT_STORE_URL.rstrip("/")
    if configured:
        return configured
    with _lock:
        if _discovered is None:
            try:
                _discovered = _catalog_root(credentials.token)
            except ClientError as exc:
                raise ServiceUnavailable(f"Cannot find Pithos in the catalog: {exc}") from None
            log.info("object store at %s (from the catalog)", _discovered)
        return _discovered


def client(credentials: Credentials, account: str | None = None) -> ObjectStoreClient:
    """An object-store client on `account` (default: the caller's) with the caller's token."""
    root = object_store_root(credentials)
    return ObjectStoreClient(f"{root}/{quote(account or credentials.user_id, safe='')}",
                             credentials.token, timeout=60, session=_session)


def fault_of(exc: ClientError, location: str) -> Fault:
    """Pithos' answer about a location as our fault: never 5xx for a user's mistake."""
    if exc.status in (401, 403):
        return Forbidden(f"You may not read {location}.")
    if exc.status == 404:
        return BadRequest(f"{location} is not a Pithos file you can read.")
    if exc.status == 0 or exc.status >= 500:
        return ServiceUnavailable(f"Pithos did not answer about {location}: {exc.message}")
    return BadRequest(f"Pithos refused {location}: {exc.message}")


@dataclass(frozen=True)
class ObjectState:
    """What Plankton needs of one version of a Pithos file."""

    size: int
    checksum: str
    uuid: str
    version: str
    hashes: list[str]
    block_size: int
    block_hash: str


def read_object(credentials: Credentials, location: Location) -> ObjectState:
    """Headers and hashmap of the current version, read as the caller (else 4xx)."""
    store = client(credentials, location.account)
    try:
        info = store.get_object_info(location.container, location.path)
        if info.get("content-type", "").startswith("application/directory"):
            raise BadRequest(f"{location} is a directory, not a file.")
        version = info.get("x-object-version", "")
        hashmap = store.get_hashmap(location.container, location.path, version=version or None)
    except ClientError as exc:
        raise fault_of(exc, str(location)) from None
    return ObjectState(size=int(hashmap.get("bytes", info.get("content-length", 0))),
                       checksum=info.get("etag", "").strip('"'),
                       uuid=info.get("x-object-uuid", ""), version=str(version),
                       hashes=[str(h) for h in hashmap.get("hashes", [])],
                       block_size=int(hashmap.get("block_size", 0) or 0),
                       block_hash=str(hashmap.get("block_hash", "")))


def mark_object(credentials: Credentials, location: Location, meta: dict[str, str]) -> None:
    """Best effort: label the file as an image in Pithos (only its owner may write there)."""
    if location.account != credentials.user_id:
        return
    try:
        client(credentials).set_object_meta(location.container, location.path, meta)
    except ClientError as exc:
        log.warning("could not mark %s as an image: %s", location, exc)
