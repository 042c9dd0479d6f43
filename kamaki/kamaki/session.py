"""From a configured cloud (identity URL + token) to ready API clients.

The token is exchanged once per run at the identity service (Keystone v3
token method, or v2.0 for URLs ending in /v2.0, as the original kamaki did);
the answer gives the user and the catalog from which every client is built.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamaki.errors import CliError, ExitCode
from snf_common.clients.base import ClientError, HttpClient
from snf_common.clients.http import new_pool

if TYPE_CHECKING:  # each client is imported when first used: kamaki starts for every command
    from snf_common.clients.catalog import Catalog
    from snf_common.clients.compute import ComputeClient
    from snf_common.clients.image import ImageClient
    from snf_common.clients.network import NetworkClient
    from snf_common.clients.object_store import ObjectStoreClient
    from snf_common.clients.volume import VolumeClient


def identity_v3_url(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/v3") else url + "/v3"


def authenticate(url: str, token: str, *, timeout: float = 30.0,
                 verify: bool | str = True) -> tuple[str, dict[str, Any]]:
    """(token to use, token body) for an API token at identity `url`."""
    url = url.rstrip("/")
    if url.endswith("/v2.0"):
        client = HttpClient(url, timeout=timeout, verify=verify)
        body = client.post_json("tokens", {"auth": {"token": {"id": token}}},
                                expect=(200,), retry=False)
        return body["access"]["token"]["id"], body
    client = HttpClient(identity_v3_url(url), timeout=timeout, verify=verify)
    auth = {"auth": {"identity": {"methods": ["token"], "token": {"id": token}}}}
    response = client.request("POST", "auth/tokens", json_body=auth, expect=(201,),
                              retry=False)
    return response.headers.get("X-Subject-Token") or token, response.json()


def login_password(url: str, username: str, password: str, *,
                   project: str | None = None) -> tuple[str, dict[str, Any]]:
    """Password login (Keystone v3); returns (token, body)."""
    auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
        "name": username, "domain": {"id": "default"}, "password": password}}}}
    if project:
        auth["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
    client = HttpClient(identity_v3_url(url))
    response = client.request("POST", "auth/tokens", json_body={"auth": auth},
                              expect=(201,), retry=False)
    return response.headers["X-Subject-Token"], response.json()


def user_of(body: dict[str, Any]) -> dict[str, Any]:
    """The user, project, roles and expiry of a v3 or v2.0 token body."""
    if "token" in body:
        data = body["token"]
        project = data.get("project") or {}
        return {"id": data["user"]["id"], "name": data["user"].get("name", ""),
                "project_id": project.get("id", ""), "project_name": project.get("name", ""),
                "roles": [r.get("name") for r in data.get("roles", [])],
                "expires": data.get("expires_at", "")}
    access = body["access"]
    tenant = access["token"].get("tenant") or {}
    return {"id": access["user"]["id"], "name": access["user"].get("name", ""),
            "project_id": tenant.get("id", ""), "project_name": tenant.get("name", ""),
            "roles": [r.get("name") for r in access["user"].get("roles", [])],
            "expires": access["token"].get("expires", "")}


# A checked token's answer (user, catalog) is kept this long between runs, at most
# until the token expires: without it every command began with a round trip to
# Astakos. `kamaki user authenticate` always asks Astakos again; a 401 forgets it.
TOKEN_CACHE_SECONDS = 300


def _token_cache_path(url: str, token: str) -> Path | None:
    setting = os.environ.get("KAMAKI_TOKEN_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    key = hashlib.sha256(f"{url}\n{token}".encode()).hexdigest()
    return Path(setting or os.path.join(cache_home, "kamaki", "tokens")) / f"{key}.json"


def _expiry(body: dict[str, Any]) -> float:
    stamp = user_of(body).get("expires") or ""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _read_cached(path: Path) -> tuple[str, dict[str, Any]] | None:
    try:
        entry = json.loads(path.read_text())
        if float(entry["until"]) > time.time():
            return entry["token"], entry["body"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write_cached(path: Path, token: str, body: dict[str, Any]) -> None:
    until = min(time.time() + TOKEN_CACHE_SECONDS, _expiry(body))
    if until <= time.time():
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"until": until, "token": token, "body": body}, out)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs a round trip


class Session:
    def __init__(self, name: str, settings: dict[str, str]) -> None:
        self.name = name
        self.url = settings["url"]
        self.api_token = settings.get("token", "")
        self.verify: bool | str = settings.get("ca_certs") or \
            settings.get("ignore_ssl", "off").lower() not in ("on", "true", "yes", "1")
        # Per-cloud endpoint overrides (e.g. object_store_url = http://.../v1/{user_id})
        # for catalogs that lack a service; {user_id} and {project_id} are filled in.
        self.overrides = {k[: -len("_url")]: v for k, v in settings.items()
                          if k.endswith("_url") and k != "url"}
        self.http = new_pool()
        self._token = ""
        self._body: dict[str, Any] | None = None

    def _auth(self, *, fresh: bool = False) -> None:
        if self._body is not None and not fresh:
            return
        if not self.api_token:
            raise CliError(f"cloud {self.name!r} has no token: run `kamaki user authenticate`",
                           ExitCode.CONFIG)
        cache = _token_cache_path(self.url, self.api_token)
        cached = None if cache is None or fresh else _read_cached(cache)
        if cached is not None:
            self._token, self._body = cached
            return
        self._token, self._body = authenticate(self.url, self.api_token, verify=self.verify)
        if cache is not None:
            _write_cached(cache, self._token, self._body)

    def refresh(self) -> dict[str, Any]:
        """Ask the identity service again (the token may have been revoked)."""
        self._auth(fresh=True)
        assert self._body is not None
        return self._body

    def forget_cached(self) -> None:
        cache = _token_cache_path(self.url, self.api_token) if self.api_token else None
        if cache is not None:
            cache.unlink(missing_ok=True)

    @property
    def body(self) -> dict[str, Any]:
        self._auth()
        assert self._body is not None
        return self._body

    @property
    def token(self) -> str:
        self._auth()
        return self._token

    @property
    def user(self) -> dict[str, Any]:
        return user_of(self.body)

    @property
    def catalog(self) -> Catalog:
        from snf_common.clients.catalog import Catalog

        return Catalog.from_token_body(self.body)

    def url_for(self, key: str, *types: str) -> str:
        if key in self.overrides:
            user = self.user
            return self.overrides[key].replace("{user_id}", user["id"]).replace(
                "{project_id}", user["project_id"])
        return self.catalog.url_for(types)

    def _kw(self) -> dict[str, Any]:
        return {"verify": self.verify, "session": self.http}

    def object_store(self) -> ObjectStoreClient:
        from snf_common.clients.object_store import ObjectStoreClient

        return ObjectStoreClient(self.url_for("object_store", "object-store"), self.token,
                                 **self._kw())

    def compute(self) -> ComputeClient:
        from snf_common.clients.compute import ComputeClient

        return ComputeClient(self.url_for("compute", "compute"), self.token, **self._kw())

    def network(self) -> NetworkClient:
        from snf_common.clients.network import NetworkClient

        return NetworkClient(self.url_for("network", "network"), self.token, **self._kw())

    def image(self) -> ImageClient:
        from snf_common.clients.image import ImageClient

        return ImageClient(self.url_for("image", "image"), self.token, **self._kw())

    def volume(self) -> VolumeClient:
        from snf_common.clients.volume import VolumeClient

        url = self.url_for("volume", "block-storage", "volumev3", "volume")
        return VolumeClient(url, self.token, **self._kw())

    def account(self) -> HttpClient:
        """The Synnefo Account API (quotas, projects, user catalogs)."""
        if "account" in self.overrides:
            return HttpClient(self.url_for("account"), self.token, **self._kw())
        try:
            url = self.catalog.url_for("account")
        except ClientError:
            url = self.catalog.url_for(name="astakos_account")
        return HttpClient(url, self.token, **self._kw())
