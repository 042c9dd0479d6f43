"""Helpers only (no tests): a Pithos double for the image service's unit tests.

Objects live in memory, blocks in a real filesystem block store (the one the image
service publishes maps into), with Pithos' read rule (the account owner, or a
reader named in the object's sharing)."""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from typing import Any

from django.test import Client

from archipelago.blockstore.base import open_blockstore
from archipelago.blockstore.config import parse_blockstore_spec
from snf_common import hashing
from snf_common.clients.base import ClientError


class FakePithos:
    def __init__(self, store_spec: str = "", *, store: Any = None) -> None:
        self.store = store if store is not None else \
            open_blockstore(parse_blockstore_spec(store_spec))
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.versions = itertools.count(1)
        self.requests: list[tuple[str, str, str]] = []
        self.quota: dict[str, int] = {}      # account -> pithos.diskspace limit (bytes)

    def used(self, account: str) -> int:
        return sum(e["size"] for (a, _, _), e in self.objects.items() if a == account)

    def put(self, account: str, container: str, path: str, data: bytes, *,
            readers: tuple[str, ...] = ()) -> dict[str, Any]:
        hashes = [self.store.put_block(data[i:i + hashing.BLOCK_SIZE_BYTES])
                  for i in range(0, len(data), hashing.BLOCK_SIZE_BYTES)] or \
            [self.store.put_block(b"")]
        entry = {"data": data, "size": len(data), "hashes": hashes, "uuid": str(uuid.uuid4()),
                 "version": str(next(self.versions)), "meta": {}, "readers": set(readers),
                 "md5": hashlib.md5(data).hexdigest(), "type": "application/octet-stream"}
        self.objects[(account, container, path)] = entry
        return entry

    def client(self, user: str, account: str) -> FakeObjectStore:
        return FakeObjectStore(self, user, account)


class FakeObjectStore:
    """The ObjectStoreClient methods the image service calls."""

    def __init__(self, pithos: FakePithos, user: str, account: str) -> None:
        self.pithos, self.user, self.account = pithos, user, account

    def _readable(self, container: str, obj: str) -> dict[str, Any]:
        entry = self.pithos.objects.get((self.account, container, obj))
        if self.user != self.account:
            if entry is None:
                raise ClientError("Forbidden", status=403)
            if self.user not in entry["readers"] and "*" not in entry["readers"]:
                raise ClientError("Forbidden", status=403)
        if entry is None:
            raise ClientError("Not Found", status=404)
        return entry

    def get_object_info(self, container: str, obj: str) -> dict[str, str]:
        self.pithos.requests.append(("HEAD", self.user, f"{self.account}/{container}/{obj}"))
        entry = self._readable(container, obj)
        return {"etag": entry["md5"], "x-object-uuid": entry["uuid"],
                "x-object-version": entry["version"], "content-length": str(entry["size"]),
                "content-type": entry["type"]}

    def get_hashmap(self, container: str, obj: str, *, version: str | None = None) -> dict:
        entry = self._readable(container, obj)
        return {"block_hash": "sha256", "block_size": hashing.BLOCK_SIZE_BYTES,
                "bytes": entry["size"], "hashes": list(entry["hashes"])}

    def set_object_meta(self, container: str, obj: str, meta: dict[str, str]) -> None:
        if self.user != self.account:
            raise ClientError("Forbidden", status=403)
        self.pithos.objects[(self.account, container, obj)]["meta"].update(meta)

    def create_container(self, container: str, **kwargs: Any) -> bool:
        if self.user != self.account:
            raise ClientError("Forbidden", status=403)
        return True

    def put_object(self, container: str, obj: str, data: Any, **kwargs: Any) -> dict:
        if self.user != self.account:
            raise ClientError("Forbidden", status=403)
        body = data if isinstance(data, bytes) else b"".join(iter(lambda: data.read(65536), b""))
        self.pithos.put(self.account, container, obj, body)
        return {}


    def put_hashmap(self, container: str, obj: str, size: int, hashes: list[str], *,
                    content_type: str = "application/octet-stream",
                    headers: dict[str, str] | None = None) -> tuple[list[str], dict]:
        """Pithos' hashmap PUT: 409 with the missing blocks, 413 over the account's quota."""
        if self.user != self.account:
            raise ClientError("Forbidden", status=403)
        if len(hashes) != hashing.block_count(size):
            raise ClientError("The hashmap does not match the object size.", status=400)
        missing = self.pithos.store.missing_blocks(hashes)
        if missing:
            return missing, {}
        old = self.pithos.objects.get((self.account, container, obj), {}).get("size", 0)
        limit = self.pithos.quota.get(self.account)
        if limit is not None and self.pithos.used(self.account) - old + size > limit:
            raise ClientError("Quota exceeded", status=413)
        meta = {k[len("X-Object-Meta-"):]: v for k, v in (headers or {}).items()
                if k.startswith("X-Object-Meta-")}
        self.pithos.objects[(self.account, container, obj)] = {
            "data": None, "size": size, "hashes": list(hashes), "uuid": str(uuid.uuid4()),
            "version": str(next(self.pithos.versions)), "meta": meta, "readers": set(),
            "md5": "", "type": content_type}
        return [], {}

    def delete_object(self, container: str, obj: str, **kwargs: Any) -> None:
        if self.user != self.account:
            raise ClientError("Forbidden", status=403)
        if self.pithos.objects.pop((self.account, container, obj), None) is None:
            raise ClientError("Not Found", status=404)


def install(monkeypatch, settings, tmp_path, *, store: Any = None) -> FakePithos:
    from cyclades.images import pithos

    if store is None:
        spec = str(tmp_path / "blocks")
        settings.CYCLADES_ARCHIPELAGO_BLOCKSTORE = spec
        fake = FakePithos(spec)
    else:
        fake = FakePithos(store=store)
    monkeypatch.setattr(pithos, "client",
                        lambda credentials, account=None: fake.client(
                            credentials.user_id, account or credentials.user_id))
    return fake


class ImageApi:
    """JSON helper for /image/... as one user."""

    def __init__(self, token: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.token = token

    def call(self, method: str, path: str, body: Any = None, *,
             content_type: str = "application/json", raw: bytes | None = None, **headers):
        kwargs = {"HTTP_X_AUTH_TOKEN": self.token, **headers}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client, method.lower())(
            "/image/" + path.lstrip("/"), data=data, content_type=content_type, **kwargs)
        is_json = response.get("Content-Type", "").startswith("application/json")
        content = b"" if getattr(response, "streaming", False) else response.content
        response.data = json.loads(content) if content and is_json else None
        return response
