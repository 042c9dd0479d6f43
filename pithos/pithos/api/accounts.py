"""Top level (accounts sharing with me) and account HEAD/GET/POST."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pithos.api import formats
from pithos.api.headers import empty, iso, last_modified, meta_headers, prefixed
from pithos.objects import access, listing, paths, sharing, tree
from snf_common.django.auth import api_view
from snf_common.faults import BadRequest, Forbidden


def list_limit(request: HttpRequest) -> int:
    raw = request.GET.get("limit", "")
    if not raw:
        return settings.PITHOS_LIST_LIMIT
    if not raw.isdigit():
        raise BadRequest("limit must be a number.")
    return min(int(raw), settings.PITHOS_LIST_LIMIT)


@api_view(("GET", "HEAD"))
def top(request: HttpRequest) -> HttpResponse:
    user = request.credentials.user_id
    names = sharing.accounts_sharing_with(user)
    marker = request.GET.get("marker", "")
    names = [n for n in names if n > marker][:list_limit(request)]
    items = [{"name": n, "last_modified": iso(0)} for n in names]
    return formats.render(formats.listing_format(request), items, root="accounts",
                          root_name="", item="account", headers={})


@api_view(("HEAD", "GET", "POST"))
def account(request: HttpRequest, account: str) -> HttpResponse:
    paths.check_account(account)
    creds = request.credentials
    if request.method == "POST":
        return update_account(request, account)
    if not access.is_owner(creds, account):
        if request.method == "GET":
            return shared_containers(request, account, creds.user_id)
        raise Forbidden("Not allowed.")
    node = tree.ensure_account(account)
    count, objects_count, used = tree.account_usage(account)
    headers = {"X-Account-Container-Count": str(count),
               "X-Account-Object-Count": str(objects_count),
               "X-Account-Bytes-Used": str(used),
               "Last-Modified": last_modified(node.created)}
    headers.update(meta_headers("X-Account-Meta-", tree.node_meta(node)))
    for name, members in sharing.groups_of(account).items():
        headers["X-Account-Group-" + name] = ",".join(members)
    if request.method == "HEAD":
        return empty(204, headers)
    items = [container_item(c) for c in listing.containers(
        account, marker=request.GET.get("marker", ""),
        end_marker=request.GET.get("end_marker", ""), prefix=request.GET.get("prefix", ""),
        limit=list_limit(request))]
    return formats.render(formats.listing_format(request), items, root="account",
                          root_name=account, item="container", headers=headers)


def container_item(node) -> dict:
    count, used, mtime = tree.container_usage(node)
    return {"name": node.name, "count": count, "bytes": used, "last_modified": iso(mtime),
            "x_container_policy": tree.policies_of(node)}


def shared_containers(request: HttpRequest, account: str, user: str) -> HttpResponse:
    shared = sharing.shared_paths_with(account, user)
    if not shared:
        raise Forbidden("Not allowed.")
    names = {p.split("/", 2)[1] for p in shared}
    items = [{"name": c.name, "last_modified": iso(c.created)} for c in listing.containers(
        account, marker=request.GET.get("marker", ""), limit=list_limit(request), only=names)]
    return formats.render(formats.listing_format(request), items, root="account",
                          root_name=account, item="container", headers={})


def update_account(request: HttpRequest, account: str) -> HttpResponse:
    access.require_owner(request.credentials, account)
    node = tree.ensure_account(account)
    meta = prefixed(request, "X-Account-Meta-")
    if meta:
        tree.update_node_meta(node, meta, replace=False)
    groups = {}
    for name, value in prefixed(request, "X-Account-Group-").items():
        groups[name] = [m.strip() for m in (value or "").split(",") if m.strip()]
    if groups:
        sharing.set_groups(account, groups)
    return empty(204)
