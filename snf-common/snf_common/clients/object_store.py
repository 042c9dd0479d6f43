"""Object storage (Swift API + Pithos extensions) client.

`endpoint` is the account URL, e.g. http://host:8701/object-store/v1/<account uuid>.
Headers come back as a dict with lower-case names; listings as lists of dicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from snf_common.clients.base import ClientError, HttpClient

LIST_PAGE_SIZE = 10000  # Pithos' PITHOS_API_LIST_LIMIT


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _meta_headers(prefix: str, meta: dict[str, str] | None) -> dict[str, str]:
    return {f"{prefix}{key}": value for key, value in (meta or {}).items()}


def format_sharing(read: list[str] | None = None, write: list[str] | None = None) -> str:
    """X-Object-Sharing value: `read=a,b;write=c` (empty string removes all sharing)."""
    parts = []
    if read:
        parts.append("read=" + ",".join(read))
    if write:
        parts.append("write=" + ",".join(write))
    return ";".join(parts)


def parse_sharing(value: str) -> dict[str, list[str]]:
    """`read=a,b;write=c` -> {"read": [...], "write": [...]}."""
    sharing: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in (value or "").split(";"))):
        key, _, members = part.partition("=")
        sharing[key.strip().lower()] = [m.strip() for m in members.split(",") if m.strip()]
    return sharing


class ObjectStoreClient(HttpClient):

    # ---- paths -------------------------------------------------------------
    def _path(self, container: str = "", obj: str = "") -> str:
        path = quote(container, safe="") if container else ""
        if obj:
            path += "/" + quote(obj, safe="/")
        return path

    @property
    def account(self) -> str:
        return self.endpoint.rsplit("/", 1)[-1]

    def for_account(self, account: str) -> ObjectStoreClient:
        """A client on another user's account (for objects shared with us)."""
        base = self.endpoint.rsplit("/", 1)[0]
        return ObjectStoreClient(f"{base}/{account}", self.token, timeout=self.timeout,
                                 retries=self.retries, verify=self.verify, session=self.session)

    def _list(self, path: str, params: dict[str, Any], limit: int | None) -> Iterator[dict]:
        """Follow `marker` pagination until the listing (or `limit`) is exhausted."""
        params = {k: v for k, v in params.items() if v is not None}
        params["format"] = "json"
        remaining = limit
        while True:
            page = LIST_PAGE_SIZE if remaining is None else min(remaining, LIST_PAGE_SIZE)
            params["limit"] = page
            response = self.request("GET", path, params=params, expect=(200, 204))
            items = response.json() if response.status_code == 200 and response.content else []
            yield from items
            if remaining is not None:
                remaining -= len(items)
                if remaining <= 0:
                    return
            if len(items) < page:
                return
            last = items[-1]
            params["marker"] = last.get("name") or last.get("subdir")

    # ---- account -----------------------------------------------------------
    def get_account_info(self) -> dict[str, str]:
        return _lower(self.request("HEAD", "").headers)

    def list_containers(self, *, limit: int | None = None, marker: str | None = None,
                        shared: bool = False, public: bool = False) -> list[dict]:
        params = {"marker": marker, "shared": "" if shared else None,
                  "public": "" if public else None}
        return list(self._list("", params, limit))

    def set_account_meta(self, meta: dict[str, str]) -> None:
        """Merge account metadata; an empty value deletes that key."""
        self.request("POST", "", params={"update": ""},
                     headers=_meta_headers("X-Account-Meta-", meta))

    def set_account_group(self, name: str, members: list[str]) -> None:
        self.request("POST", "", params={"update": ""},
                     headers={f"X-Account-Group-{name}": ",".join(members)})

    def list_sharing_accounts(self, *, limit: int | None = None) -> list[dict]:
        """Accounts that share something with us (GET on the storage root)."""
        root = self.endpoint.rsplit("/", 1)[0]
        return list(self._list(root, {}, limit))

    # ---- containers --------------------------------------------------------
    def create_container(self, container: str, *, versioning: str | None = None,
                         quota: int | None = None, project: str | None = None,
                         meta: dict[str, str] | None = None) -> bool:
        """True when created, False when it already existed (then policies are updated)."""
        headers = _meta_headers("X-Container-Meta-", meta)
        if versioning:
            headers["X-Container-Policy-Versioning"] = versioning
        if quota is not None:
            headers["X-Container-Policy-Quota"] = str(quota)
        if project:
            headers["X-Container-Policy-Project"] = project
        response = self.request("PUT", self._path(container), headers=headers,
                                expect=(201, 202))
        return response.status_code == 201

    def get_container_info(self, container: str) -> dict[str, str]:
        return _lower(self.request("HEAD", self._path(container)).headers)

    def set_container_meta(self, container: str, meta: dict[str, str]) -> None:
        self.request("POST", self._path(container), params={"update": ""},
                     headers=_meta_headers("X-Container-Meta-", meta))

    def set_container_policy(self, container: str, *, versioning: str | None = None,
                             quota: int | None = None, project: str | None = None) -> None:
        headers = {}
        if versioning:
            headers["X-Container-Policy-Versioning"] = versioning
        if quota is not None:
            headers["X-Container-Policy-Quota"] = str(quota)
        if project:
            headers["X-Container-Policy-Project"] = project
        self.request("POST", self._path(container), params={"update": ""}, headers=headers)

    def delete_container(self, container: str, *, delimiter: str | None = None) -> None:
        """Delete an empty container (409 otherwise); with `delimiter` its contents too."""
        params = {"delimiter": delimiter} if delimiter else None
        self.request("DELETE", self._path(container), params=params)

    def list_objects(self, container: str, *, prefix: str | None = None,
                     delimiter: str | None = None, path: str | None = None,
                     marker: str | None = None, limit: int | None = None,
                     meta: str | None = None, shared: bool = False, public: bool = False,
                     until: str | None = None) -> list[dict]:
        params = {"prefix": prefix, "delimiter": delimiter, "path": path, "marker": marker,
                  "meta": meta, "until": until, "shared": "" if shared else None,
                  "public": "" if public else None}
        return list(self._list(self._path(container), params, limit))

    def upload_blocks(self, container: str, data: bytes) -> list[str]:
        """Store raw blocks in a container (Pithos); returns their hex names."""
        response = self.request(
            "POST", self._path(container), data=data, params={"update": "", "format": "json"},
            headers={"Content-Type": "application/octet-stream"}, retry=True)
        return response.json()

    # ---- objects -----------------------------------------------------------
    def put_object(self, container: str, obj: str, data: bytes | BinaryIO = b"", *,
                   content_type: str = "application/octet-stream",
                   meta: dict[str, str] | None = None, headers: dict[str, str] | None = None
                   ) -> dict[str, str]:
        all_headers = {"Content-Type": content_type, **_meta_headers("X-Object-Meta-", meta),
                       **(headers or {})}
        retry = isinstance(data, bytes)  # a stream cannot be sent twice
        response = self.request("PUT", self._path(container, obj), data=data,
                                headers=all_headers, expect=(201,), retry=retry)
        return _lower(response.headers)

    def mkdir(self, container: str, path: str) -> None:
        """A directory marker: an empty object with Content-Type application/directory."""
        self.put_object(container, path.rstrip("/"), b"", content_type="application/directory")

    def get_object_info(self, container: str, obj: str, *,
                        version: str | None = None) -> dict[str, str]:
        params = {"version": version} if version else None
        try:
            response = self.request("HEAD", self._path(container, obj), params=params)
        except ClientError as exc:
            if exc.status == 404 and not exc.body:  # a HEAD reply has no text to show
                exc.message = f"{container}/{obj} not found"
                exc.args = (exc.message,)
            raise
        return _lower(response.headers)

    def get_object(self, container: str, obj: str, *, version: str | None = None,
                   byte_range: tuple[int, int] | None = None,
                   headers: dict[str, str] | None = None) -> bytes:
        return self.open_object(container, obj, version=version, byte_range=byte_range,
                                headers=headers).content

    def read_into(self, container: str, obj: str, offset: int, buffer: memoryview, *,
                  version: str | None = None) -> int:
        """Read bytes from `offset` of the object into `buffer` (the stored bytes, never
        decoded); returns how many came, fewer only at the object's end."""
        response = self.open_object(container, obj, version=version,
                                    byte_range=(offset, offset + len(buffer) - 1))
        got = 0
        try:
            while got < len(buffer):
                count = response.readinto(buffer[got:])
                if not count:
                    break
                got += count
        finally:
            response.close()
        return got

    def open_object(self, container: str, obj: str, *, version: str | None = None,
                    byte_range: tuple[int, int] | None = None,
                    headers: dict[str, str] | None = None) -> Any:
        """The streaming response (iterate `.iter_content()`); range is inclusive."""
        extra = dict(headers or {})
        if byte_range is not None:
            extra["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        params = {"version": version} if version else None
        return self.request("GET", self._path(container, obj), params=params, headers=extra,
                            expect=(200, 206), stream=True)

    def delete_object(self, container: str, obj: str, *, delimiter: str | None = None,
                      until: str | None = None) -> None:
        params = {k: v for k, v in (("delimiter", delimiter), ("until", until)) if v}
        self.request("DELETE", self._path(container, obj), params=params or None)

    def copy_object(self, src_container: str, src_obj: str, dst_container: str,
                    dst_obj: str, *, source_account: str | None = None,
                    source_version: str | None = None, content_type: str | None = None,
                    delimiter: str | None = None) -> dict[str, str]:
        return self._copy_or_move("X-Copy-From", src_container, src_obj, dst_container,
                                  dst_obj, source_account, source_version, content_type,
                                  delimiter)

    def move_object(self, src_container: str, src_obj: str, dst_container: str,
                    dst_obj: str, *, source_account: str | None = None,
                    content_type: str | None = None,
                    delimiter: str | None = None) -> dict[str, str]:
        return self._copy_or_move("X-Move-From", src_container, src_obj, dst_container,
                                  dst_obj, source_account, None, content_type, delimiter)

    def _copy_or_move(self, header: str, src_container: str, src_obj: str,
                      dst_container: str, dst_obj: str, source_account: str | None,
                      source_version: str | None, content_type: str | None,
                      delimiter: str | None) -> dict[str, str]:
        headers = {header: "/" + self._path(src_container, src_obj)}
        params: dict[str, str] = {}
        if content_type:
            headers["Content-Type"] = content_type
        else:
            params["ignore_content_type"] = ""
            headers["Content-Type"] = "application/octet-stream"
        if source_account:
            headers["X-Source-Account"] = source_account
        if source_version:
            headers["X-Source-Version"] = source_version
        if delimiter:
            params["delimiter"] = delimiter
        response = self.request("PUT", self._path(dst_container, dst_obj), headers=headers,
                                params=params or None, expect=(201,), retry=False)
        return _lower(response.headers)

    def set_object_meta(self, container: str, obj: str, meta: dict[str, str]) -> None:
        """Merge object metadata; an empty value deletes that key."""
        self.request("POST", self._path(container, obj), params={"update": ""},
                     headers=_meta_headers("X-Object-Meta-", meta))

    def get_object_meta(self, container: str, obj: str) -> dict[str, str]:
        prefix = "x-object-meta-"
        return {k[len(prefix):]: v for k, v in self.get_object_info(container, obj).items()
                if k.startswith(prefix)}

    # ---- Pithos extensions -------------------------------------------------
    def get_hashmap(self, container: str, obj: str, *,
                    version: str | None = None) -> dict[str, Any]:
        """{"block_hash", "block_size", "bytes", "hashes"} of an object."""
        params = {"hashmap": "", "format": "json"}
        if version:
            params["version"] = version
        return self.get_json(self._path(container, obj), params=params)

    def put_hashmap(self, container: str, obj: str, size: int, hashes: list[str], *,
                    content_type: str = "application/octet-stream",
                    headers: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
        """Create an object from its hashmap: ([], headers) when done, (missing, {}) on 409."""
        all_headers = {"Content-Type": content_type, **(headers or {})}
        try:
            response = self.request(
                "PUT", self._path(container, obj), data=json.dumps(
                    {"bytes": size, "hashes": hashes}),
                params={"hashmap": "", "format": "json"}, headers=all_headers,
                expect=(201,))
        except ClientError as exc:
            if exc.status == 409:
                try:
                    missing = json.loads(exc.body or b"[]")
                except ValueError:
                    raise exc from None
                if isinstance(missing, list):
                    return missing, {}
            raise
        return [], _lower(response.headers)

    def set_sharing(self, container: str, obj: str, *, read: list[str] | None = None,
                    write: list[str] | None = None) -> None:
        """Replace the object's permissions (both lists empty: stop sharing)."""
        self.request("POST", self._path(container, obj), params={"update": ""},
                     headers={"X-Object-Sharing": format_sharing(read, write)})

    def get_sharing(self, container: str, obj: str) -> dict[str, list[str]]:
        return parse_sharing(self.get_object_info(container, obj).get("x-object-sharing", ""))

    def publish(self, container: str, obj: str) -> str:
        """Make the object public; returns its public URL."""
        self.request("POST", self._path(container, obj), params={"update": ""},
                     headers={"X-Object-Public": "true"})
        return self.get_object_info(container, obj).get("x-object-public", "")

    def unpublish(self, container: str, obj: str) -> None:
        self.request("POST", self._path(container, obj), params={"update": ""},
                     headers={"X-Object-Public": "false"})

    def list_versions(self, container: str, obj: str) -> list[dict[str, Any]]:
        """[{"version": id, "timestamp": ts}] oldest first."""
        body = self.get_json(self._path(container, obj),
                             params={"version": "list", "format": "json"})
        return [{"version": str(v), "timestamp": ts} for v, ts in body.get("versions", [])]
