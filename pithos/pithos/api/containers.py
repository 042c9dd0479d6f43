"""Container HEAD/GET (object listing)/PUT/POST (metadata, or block upload)/DELETE."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from pithos import quota
from pithos.api import formats
from pithos.api.accounts import list_limit
from pithos.api.headers import (
    body_stream,
    empty,
    has_body,
    header,
    iso,
    last_modified,
    meta_headers,
    parse_timestamp,
    prefixed,
    truthy,
)
from pithos.objects import access, blocks, listing, sharing, slo, tree
from pithos.objects.models import Node
from snf_common import hashing
from snf_common.django.auth import api_view
from snf_common.faults import Forbidden


@api_view(("HEAD", "GET", "PUT", "POST", "DELETE"))
def container(request: HttpRequest, account: str, container: str) -> HttpResponse:
    creds = request.credentials
    if request.method in ("HEAD", "GET") and not access.is_owner(creds, account):
        return shared_view(request, account, container, creds.user_id)
    access.require_owner(creds, account)
    if request.method == "PUT":
        _, created = tree.create_container(account, container, policies=policy_headers(request),
                                           meta=prefixed(request, "X-Container-Meta-"))
        return empty(201 if created else 202)
    node = tree.get_container(account, container)
    if request.method == "DELETE":
        purge = "delimiter" in request.GET
        used = tree.container_usage(node)[1]
        with quota.charge(account, tree.policies_of(node).get("project", ""), -used, node.path):
            tree.delete_container(account, container, purge_contents=purge)
        return empty(204)
    if request.method == "POST":
        if is_block_upload(request):
            return upload_blocks(request)
        tree.check_policies(policy_headers(request))
        tree.set_policies(node, policy_headers(request))
        tree.update_node_meta(node, prefixed(request, "X-Container-Meta-"), replace=False)
        return empty(204)
    headers = container_headers(node)
    if request.method == "HEAD":
        return empty(204, headers)
    return object_listing(request, node, headers, visible=None)


def policy_headers(request: HttpRequest) -> dict[str, str]:
    return {k: v.strip() for k, v in prefixed(request, "X-Container-Policy-").items()}


def container_headers(node: Node) -> dict[str, str]:
    count, used, mtime = tree.container_usage(node)
    headers = {"X-Container-Object-Count": str(count), "X-Container-Bytes-Used": str(used),
               "X-Container-Block-Size": str(blocks.block_size()),
               "X-Container-Block-Hash": hashing.HASH_ALGORITHM,
               "Last-Modified": last_modified(mtime)}
    for key, value in tree.policies_of(node).items():
        headers["X-Container-Policy-" + key.capitalize()] = value
    headers.update(meta_headers("X-Container-Meta-", tree.node_meta(node)))
    return headers


def shared_view(request: HttpRequest, account: str, container: str, user: str) -> HttpResponse:
    """A non-owner sees only what is shared with them, and never the container's meta."""
    node = tree.get_container(account, container) if _shares_in(account, container, user) \
        else None
    if node is None:
        raise Forbidden("Not allowed.")
    headers = {"X-Container-Block-Size": str(blocks.block_size()),
               "X-Container-Block-Hash": hashing.HASH_ALGORITHM}
    if request.method == "HEAD":
        return empty(204, headers)
    return object_listing(request, node, headers,
                          visible=lambda n: sharing.allowed_access(n.path, user) is not None)


def _shares_in(account: str, container: str, user: str) -> bool:
    prefix = f"{account}/{container}/"
    return any(p.startswith(prefix) for p in sharing.shared_paths_with(account, user))


def object_listing(request: HttpRequest, node: Node, headers: dict[str, str], *,
                   visible) -> HttpResponse:
    until = parse_timestamp(request.GET.get("until"))
    if until is not None:
        if visible is not None:
            raise Forbidden("Only the owner may list a container as it was (until).")
        headers = {**headers, "X-Container-Until-Timestamp": last_modified(until)}
    prefix = request.GET.get("prefix", "")
    delimiter = request.GET.get("delimiter", "")
    if "path" in request.GET:
        prefix = request.GET["path"]
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        delimiter = "/"
    entries = listing.objects(
        node, prefix=prefix, delimiter=delimiter, marker=request.GET.get("marker", ""),
        end_marker=request.GET.get("end_marker", ""), limit=list_limit(request),
        shared=truthy(request, "shared"), public=truthy(request, "public"), visible=visible,
        meta=listing.parse_meta_query(request.GET.get("meta", "")), until=until)
    items = [{"subdir": e.name} if isinstance(e, listing.Subdir) else object_item(e)
             for e in entries]
    return formats.render(formats.listing_format(request), items, root="container",
                          root_name=node.name, item="object", headers=headers)


def object_item(node: Node) -> dict:
    v = node.latest
    if slo.is_slo(v):  # as Swift lists them: the assembled size and ETag
        segments = slo.decode(v.manifest)
        item = object_item_fields(node, v, slo.etag(segments), sum(s.size for s in segments))
        item["slo_etag"] = f'"{item["hash"]}"'
        return item
    return object_item_fields(node, v, v.md5 or v.object_hash, v.size)


def object_item_fields(node: Node, v, etag: str, size: int) -> dict:
    return {"name": node.name, "hash": etag, "bytes": size,
            "content_type": v.content_type, "last_modified": iso(v.mtime),
            "x_object_hash": v.object_hash, "x_object_uuid": v.uuid,
            "x_object_version": v.serial, "x_object_version_timestamp": f"{v.mtime:.6f}",
            "x_object_modified_by": v.modified_by}


def is_block_upload(request: HttpRequest) -> bool:
    ctype = (header(request, "Content-Type") or "").split(";")[0].strip().lower()
    return ctype == "application/octet-stream" and has_body(request)


def upload_blocks(request: HttpRequest) -> HttpResponse:
    """The body, cut into blocks, each stored; the answer is their hashes (in order).

    Several blocks in one body (kamaki sends a few per POST) go through the same
    pipelined writer as an object PUT: stored in parallel, touched once."""
    names = blocks.write_blocks(hashing.iter_blocks(body_stream(request), blocks.block_size()),
                                with_md5=False).hashes
    fmt = formats.listing_format(request)
    if fmt == "json":
        return HttpResponse(json.dumps(names), status=202, content_type="application/json")
    return HttpResponse("".join(n + "\n" for n in names), status=202,
                        content_type="text/plain; charset=utf-8")
