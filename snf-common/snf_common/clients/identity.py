"""Identity (Astakos, Keystone v3/v2.0 + Synnefo Account API) client."""

from __future__ import annotations

import threading
import time
from typing import Any

from snf_common.clients.base import ClientError, HttpClient
from snf_common.credentials import Credentials


class IdentityClient(HttpClient):
    """`endpoint` is the Keystone v3 base, e.g. http://host:8700/identity/v3."""

    def authenticate_password(self, username: str, password: str,
                              project: str | None = None) -> tuple[str, dict[str, Any]]:
        """Password login; returns (token, token body) scoped to `project` (default: own)."""
        auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
            "name": username, "domain": {"id": "default"}, "password": password}}}}
        if project:
            auth["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
        response = self.request("POST", "auth/tokens", json_body={"auth": auth},
                                expect=(201,), retry=False)
        return response.headers["X-Subject-Token"], response.json()

    def authenticate_token(self, token: str, project_id: str | None = None) \
            -> tuple[str, dict[str, Any]]:
        """A new token from an existing one (re-scoping); returns (token, token body)."""
        auth: dict[str, Any] = {"identity": {"methods": ["token"], "token": {"id": token}}}
        if project_id:
            auth["scope"] = {"project": {"id": project_id}}
        response = self.request("POST", "auth/tokens", json_body={"auth": auth},
                                expect=(201,), retry=False)
        return response.headers["X-Subject-Token"], response.json()

    def revoke(self, subject_token: str) -> None:
        """Revoke a token (the caller's own, or any with a service or admin token)."""
        caller = self.token or subject_token
        self.request("DELETE", "auth/tokens", expect=(204,),
                     headers={"X-Auth-Token": caller, "X-Subject-Token": subject_token})

    def projects(self) -> list[dict[str, Any]]:
        return self.get_json("auth/projects")["projects"]

    def validate(self, subject_token: str) -> Credentials | None:
        """Credentials of a token, or None when it is invalid, expired or revoked."""
        caller = self.token or subject_token
        try:
            response = self.request(
                "GET", "auth/tokens",
                headers={"X-Auth-Token": caller, "X-Subject-Token": subject_token})
        except ClientError as exc:
            if exc.status in (401, 404):
                return None
            raise exc.as_fault() from None
        return Credentials.from_keystone_v3(response.json(), token=subject_token)

    def catalog(self) -> list[dict[str, Any]]:
        return self.get_json("auth/catalog")["catalog"]


class CachingIdentityClient(IdentityClient):
    """Remembers validations for a few seconds: most requests then cost no round trip."""

    def __init__(self, *args: Any, ttl_seconds: float = 30.0, max_entries: int = 10000,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._cache: dict[str, tuple[float, Credentials]] = {}
        self._lock = threading.Lock()

    def validate(self, subject_token: str) -> Credentials | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(subject_token)
            if hit and hit[0] > now:
                return hit[1]
        credentials = super().validate(subject_token)
        if credentials is not None and self.ttl_seconds > 0:
            with self._lock:
                if len(self._cache) >= self.max_entries:
                    self._cache.clear()
                self._cache[subject_token] = (now + self.ttl_seconds, credentials)
        return credentials

    def revoke(self, subject_token: str) -> None:
        super().revoke(subject_token)
        self.forget(subject_token)

    def forget(self, subject_token: str) -> None:
        with self._lock:
            self._cache.pop(subject_token, None)


_clients: dict[tuple[str, str], CachingIdentityClient] = {}
_clients_lock = threading.Lock()


def cached_identity_client(url: str, *, ttl_seconds: float, service_token: str = "") \
        -> CachingIdentityClient:
    """One caching client per (url, service token) per process."""
    key = (url, service_token)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = CachingIdentityClient(url, service_token, ttl_seconds=ttl_seconds,
                                           timeout=10, retries=1)
            _clients[key] = client
        return client
