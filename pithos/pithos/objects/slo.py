"""Static large objects (Swift SLO): a manifest object naming its segments exactly.

A manifest is stored as an empty object whose `manifest` field is PREFIX + JSON of
its segments ({"path": "container/name", "etag": md5, "size": bytes}). A DLO
manifest is "container/prefix" and a container name is never empty, so nothing a
client can send as X-Object-Manifest starts with PREFIX (the API refuses a leading
"/"). Reads check that every segment still has the MD5 it had when the manifest
was written, and that the reader may read it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from pithos.objects import access, md5s, paths, versions
from pithos.objects.models import Version
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, ItemNotFound

PREFIX = "/slo "
MAX_SEGMENTS = 1000
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MIN_SEGMENT_BYTES = 1


@dataclass(frozen=True)
class Segment:
    path: str  # "container/name" in the manifest's account
    etag: str
    size: int


def is_slo(version: Version) -> bool:
    return version.manifest.startswith(PREFIX)


def encode(segments: list[Segment]) -> str:
    return PREFIX + json.dumps([asdict(s) for s in segments], separators=(",", ":"))


def decode(manifest: str) -> list[Segment]:
    return [Segment(**item) for item in json.loads(manifest[len(PREFIX):])]


def etag(segments: list[Segment]) -> str:
    """Swift's SLO ETag: the MD5 of the segments' MD5s, concatenated as hex."""
    return hashlib.md5("".join(s.etag for s in segments).encode(),
                       usedforsecurity=False).hexdigest()


def _split(raw: Any) -> tuple[str, str]:
    if not isinstance(raw, str):
        raise BadRequest("Each segment needs a path /container/object.")
    container, _, name = raw.lstrip("/").partition("/")
    if not container or not name:
        raise BadRequest(f"Segment path {raw!r} is not /container/object.")
    paths.check_container(container)
    paths.check_object(name)
    return container, name


def _segment_version(creds: Credentials, account: str, container: str, name: str) -> Version:
    access.require_read(creds, paths.object_path(account, container, name))
    version = versions.current(account, container, name)
    if version.manifest:
        raise BadRequest(f"Segment {container}/{name} is itself a large object manifest.")
    return version


def build(creds: Credentials, account: str, doc: Any) -> list[Segment]:
    """Check a client's manifest (a JSON list of {"path", "etag", "size_bytes"})."""
    if not isinstance(doc, list) or not doc:
        raise BadRequest("A manifest is a non-empty JSON list of segments.")
    if len(doc) > MAX_SEGMENTS:
        raise BadRequest(f"A manifest has at most {MAX_SEGMENTS} segments.")
    segments = []
    for item in doc:
        if not isinstance(item, dict):
            raise BadRequest("Each segment is a JSON object with path, etag, size_bytes.")
        container, name = _split(item.get("path"))
        try:
            version = _segment_version(creds, account, container, name)
        except ItemNotFound:
            raise BadRequest(f"Segment {container}/{name} does not exist.") from None
        md5 = md5s.ensure(version)
        wanted_etag, wanted_size = item.get("etag"), item.get("size_bytes")
        if wanted_etag is not None and str(wanted_etag).strip('"').lower() != md5:
            raise BadRequest(f"Segment {container}/{name}: ETag {wanted_etag} does not match.")
        if wanted_size is not None and wanted_size != version.size:
            raise BadRequest(f"Segment {container}/{name}: size {wanted_size} does not match.")
        segments.append(Segment(f"{container}/{name}", md5, version.size))
    return segments


def resolve(creds: Credentials, account: str, segments: list[Segment]) -> list[tuple[list[str], int]]:
    """(hashmap, size) of every segment as the manifest names it, for reading."""
    found = []
    for segment in segments:
        container, _, name = segment.path.partition("/")
        try:
            version = _segment_version(creds, account, container, name)
        except ItemNotFound:
            raise Conflict(f"Segment {segment.path} of this large object is gone.") from None
        if md5s.ensure(version) != segment.etag or version.size != segment.size:
            raise Conflict(f"Segment {segment.path} changed since the manifest was written.")
        found.append((version.hash_list(), version.size))
    return found
