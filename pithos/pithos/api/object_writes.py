"""Object PUT (stream, hashmap, copy/move), POST (metadata, partial update), DELETE,
COPY and MOVE. Each parses the request, calls one domain function, formats the answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pithos.api.headers import (
    body_length,
    body_stream,
    empty,
    has_body,
    header,
    last_modified,
    parse_timestamp,
    prefixed,
    source_path,
)
from pithos.api.wsgi_body import iter_body_blocks
from pithos.objects import access, blocks, paths, public, sharing, slo, updates, versions
from pithos.objects.models import Version
from snf_common import hashing
from snf_common.faults import (
    BadRequest,
    Fault,
    ItemNotFound,
    RangeNotSatisfiable,
    UnprocessableEntity,
)

HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_HASHMAP_BODY_BYTES = 64 * 1024 * 1024
FIELD_HEADERS = {"content_type": "Content-Type", "content_encoding": "Content-Encoding",
                 "content_disposition": "Content-Disposition", "manifest": "X-Object-Manifest"}
CONTENT_RANGE = re.compile(r"^bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)$")


def user_of(request: HttpRequest) -> str:
    return request.credentials.user_id


def written(status: int, version: Version) -> HttpResponse:
    return empty(status, {"ETag": version.md5 or version.object_hash,
                          "X-Object-Hash": version.object_hash,
                          "X-Object-UUID": version.uuid,
                          "X-Object-Version": str(version.serial),
                          "Last-Modified": last_modified(version.mtime)})


def content_fields(request: HttpRequest, default_type: str) -> dict[str, str]:
    manifest = header(request, "X-Object-Manifest")
    if manifest and unquote(manifest).startswith("/"):
        raise BadRequest("X-Object-Manifest is container/prefix.")
    return {"content_type": (header(request, "Content-Type") or default_type).strip(),
            "content_encoding": header(request, "Content-Encoding") or "",
            "content_disposition": header(request, "Content-Disposition") or "",
            "manifest": unquote(manifest) if manifest else ""}


def put_object(request: HttpRequest, account: str, container: str, name: str) -> HttpResponse:
    path = paths.object_path(account, container, name)
    access.require_write(request.credentials, path)
    owner = access.is_owner(request.credentials, account)
    sharing_header, public_header = check_owner_headers(request, owner)
    copy_from = header(request, "X-Copy-From")
    move_from = header(request, "X-Move-From")
    if copy_from or move_from:
        src_container, src_name = source_path(copy_from or move_from)
        src_account = header(request, "X-Source-Account") or account
        version = transfer(request, (src_account, src_container, src_name),
                           (account, container, name), move=bool(move_from))
    elif request.GET.get("multipart-manifest") == "put":
        return put_slo_manifest(request, account, container, name, path, sharing_header,
                                public_header)
    elif "hashmap" in request.GET:
        hashmap = parse_hashmap(request)
        missing = blocks.missing_blocks(hashmap["hashes"])
        blocks.touch(hashmap["hashes"])
        if missing:
            # The protocol answer kamaki expects: 409 with the JSON list of missing hashes.
            return HttpResponse(json.dumps(missing), status=409, content_type="application/json")
        content = versions.Content(size=hashmap["bytes"], hashes=hashmap["hashes"],
                                   meta=prefixed(request, "X-Object-Meta-"),
                                   **content_fields(request, "application/octet-stream"))
        version = commit(request, account, container, name, content)
    else:
        fields = content_fields(request, "application/octet-stream")
        paths.check_meta(prefixed(request, "X-Object-Meta-"), limit=settings.PITHOS_MAX_METADATA)
        declared = body_length(request)
        if declared is not None:
            versions.precheck_upload(account, container, name, declared)
        stored = blocks.write_blocks(iter_body_blocks(request, blocks.block_size()))
        expected = (header(request, "ETag") or "").strip('"').lower()
        if expected and expected != stored.md5:
            raise UnprocessableEntity("The ETag does not match the MD5 of the data received.")
        if declared is not None and declared != stored.size:
            raise BadRequest("The body is shorter than its Content-Length.")
        content = versions.Content(size=stored.size, hashes=stored.hashes, md5=stored.md5,
                                   meta=prefixed(request, "X-Object-Meta-"), **fields)
        version = commit(request, account, container, name, content)
    apply_owner_headers(version, path, sharing_header, public_header)
    return written(201, version)


def put_slo_manifest(request: HttpRequest, account: str, container: str, name: str,
                     path: str, sharing_header, public_header) -> HttpResponse:
    """PUT ?multipart-manifest=put: a static large object over existing segments."""
    length = body_length(request)
    if length is None or length > slo.MAX_MANIFEST_BYTES:
        raise BadRequest(f"A manifest needs a Content-Length of at most "
                         f"{slo.MAX_MANIFEST_BYTES} bytes.")
    try:
        doc = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The manifest is not JSON.") from None
    segments = slo.build(request.credentials, account, doc)
    fields = content_fields(request, "application/octet-stream")
    fields["manifest"] = slo.encode(segments)
    content = versions.Content(size=0, hashes=[blocks.empty_block_name()],
                               meta=prefixed(request, "X-Object-Meta-"), **fields)
    version = commit(request, account, container, name, content)
    apply_owner_headers(version, path, sharing_header, public_header)
    response = written(201, version)
    response["ETag"] = f'"{slo.etag(segments)}"'
    return response


def delete_slo(request: HttpRequest, account: str, container: str, name: str) -> HttpResponse:
    """DELETE ?multipart-manifest=delete: the segments, then the manifest (Swift's answer)."""
    version = versions.current(account, container, name)
    deleted, missing, errors = 0, 0, []
    if slo.is_slo(version):
        for segment in slo.decode(version.manifest):
            seg_container, _, seg_name = segment.path.partition("/")
            try:
                access.require_write(request.credentials,
                                     paths.object_path(account, seg_container, seg_name))
                versions.delete(account, seg_container, seg_name, user=user_of(request))
                deleted += 1
            except ItemNotFound:
                missing += 1
            except Fault as fault:
                errors.append([f"/{segment.path}", f"{fault.status} {fault.message}"])
    if errors:
        status = "400 Bad Request"
    else:
        versions.delete(account, container, name, user=user_of(request))
        deleted += 1
        status = "200 OK"
    payload = {"Number Deleted": deleted, "Number Not Found": missing,
               "Response Status": status, "Response Body": "", "Errors": errors}
    return HttpResponse(json.dumps(payload), status=200, content_type="application/json")


def commit(request: HttpRequest, account: str, container: str, name: str,
           content: versions.Content) -> Version:
    if_none_match = (header(request, "If-None-Match") or "").strip()
    return versions.commit(account, container, name, content, user=user_of(request),
                           if_none_match_any=if_none_match == "*",
                           if_match=header(request, "If-Match"))


def parse_hashmap(request: HttpRequest) -> dict:
    length = body_length(request)
    if length is None or length > MAX_HASHMAP_BODY_BYTES:
        raise BadRequest("A hashmap body needs a Content-Length (at most 64 MiB).")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Malformed hashmap: expected JSON {\"bytes\": N, \"hashes\": [...]}.")
    if not isinstance(data, dict) or not isinstance(data.get("hashes"), list) \
            or not isinstance(data.get("bytes"), int) or isinstance(data.get("bytes"), bool):
        raise BadRequest("Malformed hashmap: expected JSON {\"bytes\": N, \"hashes\": [...]}.")
    hashes = [h.lower() if isinstance(h, str) else h for h in data["hashes"]]
    if not hashes or not all(isinstance(h, str) and HEX.match(h) for h in hashes):
        raise BadRequest("Malformed hashmap: hashes must be hex SHA-256 digests.")
    versions.check_hashmap(data["bytes"], hashes)
    return {"bytes": data["bytes"], "hashes": hashes}


def check_owner_headers(request: HttpRequest, owner: bool) -> tuple[dict | None, str | None]:
    """Parse sharing/public headers up front, so bad ones fail before anything changes."""
    raw_sharing = header(request, "X-Object-Sharing")
    raw_public = header(request, "X-Object-Public")
    if (raw_sharing is not None or raw_public is not None) and not owner:
        from snf_common.faults import Forbidden

        raise Forbidden("Only the owner may change sharing or public access.")
    perms = sharing.parse_sharing(raw_sharing) if raw_sharing is not None else None
    if raw_public is not None and raw_public.strip().lower() not in ("true", "false"):
        raise BadRequest("X-Object-Public must be true or false.")
    return perms, (raw_public.strip().lower() if raw_public is not None else None)


def apply_owner_headers(version: Version, path: str, perms: dict | None,
                        public_value: str | None) -> None:
    if perms is not None:
        sharing.set_permissions(path, perms)
    if public_value == "true":
        public.publish(version.node)
    elif public_value == "false":
        public.unpublish(version.node)


def transfer(request: HttpRequest, source: tuple[str, str, str], dest: tuple[str, str, str], *,
             move: bool) -> Version:
    """Copy or move; the destination write is already authorised by the caller."""
    src_account, src_container, src_name = source
    paths.check_container(src_container)
    src_path = paths.object_path(src_account, src_container, src_name)
    if move:
        access.require_write(request.credentials, src_path)
    else:
        access.require_read(request.credentials, src_path)
    wanted = header(request, "X-Source-Version")
    if wanted:
        node = versions.object_node(src_account, src_container, src_name)
        if node is None or not wanted.isdigit():
            raise BadRequest("Bad X-Source-Version.")
        src = versions.get_version(node, int(wanted))
    else:
        src = versions.current(src_account, src_container, src_name)
    if move and src_path == paths.object_path(*dest):
        return src
    meta = versions.meta_of(src)
    new_meta = prefixed(request, "X-Object-Meta-")
    if (header(request, "X-Fresh-Metadata") or "").lower() == "true":
        meta = new_meta
    else:
        meta.update(new_meta)
    ctype = header(request, "Content-Type")
    if ctype and "ignore_content_type" in request.GET:
        ctype = None
    version = updates.copy(src, *dest, user=user_of(request), meta=meta,
                           content_type=ctype, move=move,
                           if_none_match_any=(header(request, "If-None-Match") or "") == "*")
    if move:
        versions.delete(src_account, src_container, src_name, user=user_of(request))
        sharing.set_permissions(src_path, {})
    return version


def destination(request: HttpRequest, account: str) -> tuple[str, str, str]:
    raw = header(request, "Destination")
    if not raw:
        raise BadRequest("Destination header required.")
    dest_container, dest_name = source_path(raw)
    dest_account = header(request, "Destination-Account") or account
    paths.check_account(dest_account)
    paths.check_container(dest_container)
    paths.check_object(dest_name)
    return dest_account, dest_container, dest_name


def copy_object(request: HttpRequest, account: str, container: str, name: str,
                *, move: bool = False) -> HttpResponse:
    dest = destination(request, account)
    dest_path = paths.object_path(*dest)
    access.require_write(request.credentials, dest_path)
    version = transfer(request, (account, container, name), dest, move=move)
    return written(201, version)


def move_object(request: HttpRequest, account: str, container: str, name: str) -> HttpResponse:
    return copy_object(request, account, container, name, move=True)


def delete_object(request: HttpRequest, account: str, container: str, name: str) -> HttpResponse:
    path = paths.object_path(account, container, name)
    access.require_write(request.credentials, path)
    if request.GET.get("multipart-manifest") == "delete":
        return delete_slo(request, account, container, name)
    until = parse_timestamp(request.GET.get("until"))
    if until is not None:
        node = versions.object_node(account, container, name)
        if node is None:
            from snf_common.faults import ItemNotFound

            raise ItemNotFound(f"Object {name} not found.")
        versions.purge_history(node, until=until)
        return empty(204)
    versions.delete(account, container, name, user=user_of(request))
    return empty(204)


def post_object(request: HttpRequest, account: str, container: str, name: str) -> HttpResponse:
    path = paths.object_path(account, container, name)
    access.require_write(request.credentials, path)
    owner = access.is_owner(request.credentials, account)
    sharing_header, public_header = check_owner_headers(request, owner)
    current = versions.current(account, container, name)
    ctype = (header(request, "Content-Type") or "").split(";")[0].strip().lower()
    content_range = header(request, "Content-Range")
    source = header(request, "X-Source-Object")
    final_size = header(request, "X-Object-Bytes")
    data_update = (ctype == "application/octet-stream" and has_body(request)) \
        or content_range or source or final_size is not None
    if data_update:
        content = partial_update(request, account, current, content_range, source, final_size)
        version = versions.commit(account, container, name, content, user=user_of(request),
                                  if_match=header(request, "If-Match"))
        apply_owner_headers(version, path, sharing_header, public_header)
        return written(204, version)
    meta = prefixed(request, "X-Object-Meta-")
    only_access = not meta and (sharing_header is not None or public_header is not None)
    if only_access:
        apply_owner_headers(current, path, sharing_header, public_header)
        return empty(202)
    if "update" in request.GET:
        merged = versions.meta_of(current)
        merged.update(meta)
        meta = {k: v for k, v in merged.items() if v != ""}
    fields = {"content_type": current.content_type,
              "content_encoding": current.content_encoding,
              "content_disposition": current.content_disposition,
              "manifest": current.manifest}
    given = content_fields(request, current.content_type)
    for key, header_name in FIELD_HEADERS.items():
        if header(request, header_name):
            fields[key] = given[key]
    content = versions.Content(size=current.size, hashes=current.hash_list(), md5=current.md5,
                               meta=meta, **fields)
    version = versions.commit(account, container, name, content, user=user_of(request))
    apply_owner_headers(version, path, sharing_header, public_header)
    return written(202, version)


def partial_update(request: HttpRequest, account: str, current: Version,
                   content_range: str | None, source: str | None,
                   final_size: str | None) -> versions.Content:
    offset: int | None = None
    length: int | None = None
    if content_range:
        match = CONTENT_RANGE.match(content_range.strip())
        if not match:
            raise BadRequest("Bad Content-Range.")
        if match.group(1) is not None:
            offset, last = int(match.group(1)), int(match.group(2))
            if last < offset:
                raise RangeNotSatisfiable("Bad range.", headers={
                    "Content-Range": f"bytes */{current.size}"})
            length = last - offset + 1
    data: Iterator[bytes]
    if source:
        src_container, src_name = source_path(source)
        src_account = header(request, "X-Source-Account") or account
        src_path = paths.object_path(src_account, src_container, src_name)
        access.require_read(request.credentials, src_path)
        src = versions.current(src_account, src_container, src_name)
        length = src.size if length is None else min(length, src.size)
        data = blocks.read_range(src.hash_list(), src.size, 0, length)
    elif has_body(request):
        declared = body_length(request)
        if length is None:
            if declared is None:
                raise BadRequest("A partial update needs Content-Length or a Content-Range.")
            length = declared
        elif declared is not None and declared != length:
            raise BadRequest("Content-Length does not match the Content-Range.")
        data = hashing.iter_blocks(body_stream(request), blocks.block_size())
    else:
        length, data = 0, iter(())
    size_after = None
    if final_size is not None:
        if not final_size.strip().isdigit():
            raise BadRequest("X-Object-Bytes must be a number.")
        size_after = int(final_size)
    return updates.patch(current, offset=offset, data=data, length=length or 0,
                         final_size=size_after)
