"""Object HEAD/GET (content, ranges, versions, hashmaps, large objects) and method dispatch."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from pithos.api import object_writes
from pithos.api.headers import empty, header, last_modified, meta_headers, parse_timestamp
from pithos.api.ranges import NotModified, check_conditions, multipart_body, parse_ranges
from pithos.objects import (
    access,
    blocks,
    listing,
    md5s,
    paths,
    public,
    sharing,
    slo,
    tree,
    versions,
)
from pithos.objects.models import READ, Version
from snf_common import hashing
from snf_common.credentials import Credentials
from snf_common.django.auth import api_view
from snf_common.faults import BadRequest, ItemNotFound

WRITERS = {"PUT": object_writes.put_object, "POST": object_writes.post_object,
           "DELETE": object_writes.delete_object, "COPY": object_writes.copy_object,
           "MOVE": object_writes.move_object}


@api_view(("HEAD", "GET", "PUT", "POST", "DELETE", "COPY", "MOVE"))
def object_view(request: HttpRequest, account: str, container: str, name: str) -> HttpResponse:
    paths.check_account(account)
    paths.check_container(container)
    paths.check_object(name)
    if request.method in WRITERS:
        return WRITERS[request.method](request, account, container, name)
    return read_object(request, account, container, name)


@dataclass
class Body:
    """What a read serves: one version, or the parts of a large object (manifest)."""

    segments: list[tuple[list[str], int]]
    etag: str

    @property
    def size(self) -> int:
        return sum(size for _, size in self.segments)

    def read(self, start: int, end: int) -> Iterator[bytes]:
        offset = 0
        for hashes, size in self.segments:
            if end <= offset:
                break
            if start < offset + size:
                yield from blocks.read_range(hashes, size, max(0, start - offset),
                                             min(size, end - offset))
            offset += size


def read_object(request: HttpRequest, account: str, container: str, name: str) -> HttpResponse:
    creds = request.credentials
    path = paths.object_path(account, container, name)
    level = access.require_read(creds, path)
    node = versions.object_node(account, container, name)
    if request.GET.get("version") == "list":
        if node is None:
            raise ItemNotFound(f"Object {name} not found.")
        listed = [[serial, f"{mtime:.6f}"] for serial, mtime in versions.list_versions(node)]
        return HttpResponse(json.dumps({"versions": listed}), content_type="application/json")
    version = chosen_version(request, node, account, container, name)
    if "hashmap" in request.GET:
        return hashmap_response(version)
    if request.GET.get("multipart-manifest") == "get" and slo.is_slo(version):
        return slo_manifest_response(version)
    body = body_of(creds, account, version, need_md5=needs_md5(request))
    headers = object_headers(creds, path, version, body, level=level)
    etags = {body.etag.strip('"'), version.object_hash} - {""}
    try:
        check_conditions(request, etags=etags, mtime=version.mtime)
    except NotModified:
        return empty(304, {k: headers[k] for k in ("ETag", "Last-Modified") if k in headers})
    size = body.size
    ranges = parse_ranges(request, size, etags=etags, mtime=version.mtime)
    head = request.method == "HEAD"
    if ranges is None:
        headers["Content-Length"] = str(size)
        return respond(200, headers, None if head else body.read(0, size))
    if len(ranges) == 1:
        start, end = ranges[0]
        headers["Content-Length"] = str(end - start)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        return respond(206, headers, None if head else body.read(start, end))
    boundary, length, chunks = multipart_body(ranges, size, headers["Content-Type"], body.read)
    headers["Content-Type"] = f"multipart/byteranges; boundary={boundary}"
    headers["Content-Length"] = str(length)
    return respond(206, headers, None if head else chunks)


def respond(status: int, headers: dict[str, str], chunks: Iterator[bytes] | None) -> HttpResponse:
    if chunks is None:
        response = HttpResponse(b"", status=status)
    else:
        response = StreamingHttpResponse(chunks, status=status)
    for key, value in headers.items():
        response[key] = value
    return response


def chosen_version(request: HttpRequest, node, account: str, container: str,
                   name: str) -> Version:
    wanted = request.GET.get("version", "")
    until = parse_timestamp(request.GET.get("until"))
    if node is None:
        raise ItemNotFound(f"Object {name} not found.")
    if wanted:
        if not wanted.isdigit():
            raise BadRequest("version must be a number or 'list'.")
        version = versions.get_version(node, int(wanted))
    elif until is not None:
        version = versions.version_at(node, until)
    else:
        version = versions.current(account, container, name)
    version.node = node
    return version


def needs_md5(request: HttpRequest) -> bool:
    """False for a plain ranged GET: it is served at once, without an ETag, while a
    hashmap-built object's MD5 is still being computed (nobody can check a part
    against it, and a resuming or parallel downloader must not wait for it)."""
    if request.method != "GET" or not header(request, "Range"):
        return True
    return any(header(request, name) for name in ("If-Match", "If-None-Match", "If-Range"))


def body_of(creds: Credentials, account: str, version: Version, *,
            need_md5: bool = True) -> Body:
    if slo.is_slo(version):
        segments = slo.decode(version.manifest)
        return Body(slo.resolve(creds, account, segments), f'"{slo.etag(segments)}"')
    if not version.manifest:
        etag = md5s.ensure(version) if need_md5 else version.md5
        return Body([(version.hash_list(), version.size)], etag)
    container, _, prefix = unquote(version.manifest).partition("/")
    try:
        cont = tree.get_container(account, container)
    except ItemNotFound:
        return Body([], '"' + hashlib.md5(b"", usedforsecurity=False).hexdigest() + '"')
    parts = [n for n in listing.objects(cont, prefix=prefix, limit=10000)
             if not isinstance(n, listing.Subdir)]
    digest = hashlib.md5(usedforsecurity=False)
    segments = []
    for node in parts:
        access.require_read(creds, node.path)
        part = node.latest
        digest.update(md5s.ensure(part).encode())
        segments.append((part.hash_list(), part.size))
    return Body(segments, '"' + digest.hexdigest() + '"')


def object_headers(creds: Credentials, path: str, version: Version, body: Body, *,
                   level: int) -> dict[str, str]:
    headers = {
        "Content-Type": version.content_type,
        "Last-Modified": last_modified(version.mtime), "Accept-Ranges": "bytes",
        "X-Object-Hash": version.object_hash, "X-Object-UUID": version.uuid,
        "X-Object-Version": str(version.serial),
        "X-Object-Version-Timestamp": last_modified(version.mtime),
        "X-Object-Modified-By": version.modified_by,
        "X-Timestamp": f"{version.mtime:.5f}",
    }
    if body.etag:
        headers["ETag"] = body.etag
    if version.content_encoding:
        headers["Content-Encoding"] = version.content_encoding
    if version.content_disposition:
        headers["Content-Disposition"] = version.content_disposition
    if slo.is_slo(version):
        headers["X-Static-Large-Object"] = "True"
    elif version.manifest:
        headers["X-Object-Manifest"] = version.manifest
    headers.update(meta_headers("X-Object-Meta-", versions.meta_of(version)))
    granting, perms = sharing.effective_permissions(path)
    if perms:
        headers["X-Object-Sharing"] = sharing.format_sharing(perms)
        if granting != path:
            headers["X-Object-Shared-By"] = granting.split("/", 1)[1]
    owner = access.is_owner(creds, path.split("/", 1)[0])
    if not owner:
        headers["X-Object-Allowed-To"] = "read" if level == READ else "write"
    elif (token := public.token_of(version.node)) is not None:
        headers["X-Object-Public"] = public.public_url(token)
    return headers


def slo_manifest_response(version: Version) -> HttpResponse:
    """?multipart-manifest=get: the segments as Swift lists them."""
    items = [{"name": "/" + s.path, "hash": s.etag, "bytes": s.size,
              "content_type": "application/octet-stream"}
             for s in slo.decode(version.manifest)]
    response = HttpResponse(json.dumps(items), content_type="application/json; charset=utf-8")
    response["X-Static-Large-Object"] = "True"
    return response


def hashmap_response(version: Version) -> HttpResponse:
    payload = {"block_hash": hashing.HASH_ALGORITHM, "block_size": blocks.block_size(),
               "bytes": version.size, "hashes": version.hash_list()}
    response = HttpResponse(json.dumps(payload), content_type="application/json")
    response["ETag"] = version.md5 or version.object_hash
    response["X-Object-Hash"] = version.object_hash
    return response

