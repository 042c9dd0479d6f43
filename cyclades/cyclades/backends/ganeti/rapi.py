"""A small typed client for the Ganeti Remote API v2: only the calls Cyclades makes.

Every effect (create, startup, shutdown, reboot, remove, modify, tags) answers
with the Ganeti job id. Requests time out; connection failures are retried, but
a POST is retried only when the connection was never established, because Ganeti
does not deduplicate instance creation.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

log = logging.getLogger(__name__)


class RapiError(Exception):
    """A RAPI call failed; `status` is the HTTP status, 0 when Ganeti did not answer."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


_SESSIONS: dict[str, requests.Session] = {}
_SESSIONS_LOCK = threading.Lock()


def shared_session(base: str) -> requests.Session:
    """One pooled session per cluster and process: a new session per request meant a new
    TLS handshake for every create and action (a large part of Cyclades' CPU per server)."""
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(base)
        if session is None:
            from snf_common.clients.base import new_session

            session = _SESSIONS[base] = new_session()
        return session


class RapiClient:
    """Talks to one Ganeti cluster (`backend` is a Backend row or anything with its fields)."""

    def __init__(self, backend: Any, *, timeout: float | None = None,
                 retries: int | None = None) -> None:
        self.base = f"https://{backend.host}:{backend.port}"
        self.auth = (backend.username, backend.password) if backend.username else None
        self.verify = backend.verify
        self.timeout = settings.CYCLADES_RAPI_TIMEOUT_SECONDS if timeout is None else timeout
        self.retries = settings.CYCLADES_RAPI_RETRIES if retries is None else retries
        self.session = shared_session(self.base)

    # -- plumbing -----------------------------------------------------------------------
    def _call(self, method: str, path: str, *, body: Any = None,
              params: list[tuple[str, str]] | None = None) -> Any:
        url = self.base + path
        delay = 0.2
        for attempt in range(self.retries + 1):
            try:
                response = self.session.request(
                    method, url, json=body, params=params, auth=self.auth,
                    verify=self.verify, timeout=self.timeout,
                    headers={"Accept": "application/json"})
            except requests.ConnectionError as exc:
                never_sent = isinstance(exc, requests.ConnectTimeout) or \
                    "NewConnectionError" in repr(exc) or "refused" in str(exc).lower()
                if attempt < self.retries and (method != "POST" or never_sent):
                    log.warning("rapi %s %s: %s; retrying", method, path, exc)
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise RapiError(f"{method} {path}: {exc}") from None
            except requests.RequestException as exc:
                raise RapiError(f"{method} {path}: {exc}") from None
            if response.status_code >= 400:
                raise RapiError(f"{method} {path}: HTTP {response.status_code} "
                                f"{_explain(response)}", status=response.status_code)
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise RapiError(f"{method} {path}: answer is not JSON") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _job(result: Any) -> int:
        try:
            return int(result)
        except (TypeError, ValueError):
            raise RapiError(f"expected a job id, got {result!r}") from None

    @staticmethod
    def _name(name: str) -> str:
        return quote(name, safe="")

    # -- cluster ------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return self._call("GET", "/2/info")

    def nodes(self) -> list[dict[str, Any]]:
        return self._call("GET", "/2/nodes", params=[("bulk", "1")])

    def instances(self) -> list[dict[str, Any]]:
        return self._call("GET", "/2/instances", params=[("bulk", "1")])

    def instance(self, name: str) -> dict[str, Any]:
        return self._call("GET", f"/2/instances/{self._name(name)}")

    def job(self, job_id: int) -> dict[str, Any]:
        return self._call("GET", f"/2/jobs/{int(job_id)}")

    def console(self, name: str) -> dict[str, Any]:
        """{"kind": "vnc", "host", "port", ...} (or kind "msg" when there is none)."""
        return self._call("GET", f"/2/instances/{self._name(name)}/console")

    # -- effects: each returns the job id -----------------------------------------------
    def create_instance(self, body: dict[str, Any]) -> int:
        payload = {"__version__": 1, "mode": "create", **body}
        return self._job(self._call("POST", "/2/instances", body=payload))

    def startup(self, name: str) -> int:
        return self._job(self._call("PUT", f"/2/instances/{self._name(name)}/startup"))

    def shutdown(self, name: str, *, timeout: int) -> int:
        return self._job(self._call("PUT", f"/2/instances/{self._name(name)}/shutdown",
                                    body={"timeout": timeout}))

    def reboot(self, name: str, *, kind: str) -> int:
        return self._job(self._call("POST", f"/2/instances/{self._name(name)}/reboot",
                                    params=[("type", kind)]))

    def remove(self, name: str) -> int:
        return self._job(self._call("DELETE", f"/2/instances/{self._name(name)}"))

    def modify(self, name: str, body: dict[str, Any]) -> int:
        return self._job(self._call("PUT", f"/2/instances/{self._name(name)}/modify", body=body))

    def grow_disk(self, name: str, index: int, amount_mib: int) -> int:
        """Grow disk `index` by `amount_mib` MiB (OP_INSTANCE_GROW_DISK). A relative amount
        works on every Ganeti version; `absolute` came later."""
        return self._job(self._call("POST", f"/2/instances/{self._name(name)}/disk/"
                                    f"{int(index)}/grow",
                                    body={"amount": int(amount_mib), "wait_for_sync": False}))

    def add_tags(self, name: str, tags: list[str]) -> int:
        return self._job(self._call("PUT", f"/2/instances/{self._name(name)}/tags",
                                    params=[("tag", t) for t in tags]))

    def delete_tags(self, name: str, tags: list[str]) -> int:
        return self._job(self._call("DELETE", f"/2/instances/{self._name(name)}/tags",
                                    params=[("tag", t) for t in tags]))

    # -- networks (cyclades.network) ----------------------------------------------------
    def groups(self) -> list[dict[str, Any]]:
        return self._call("GET", "/2/groups")

    def networks(self) -> list[dict[str, Any]]:
        return self._call("GET", "/2/networks", params=[("bulk", "1")])

    def create_network(self, body: dict[str, Any]) -> int:
        return self._job(self._call("POST", "/2/networks", body={"__version__": 1, **body}))

    def connect_network(self, name: str, *, group: str | None, mode: str, link: str) -> int:
        body: dict[str, Any] = {"network_mode": mode, "network_link": link,
                                "conflicts_check": False}
        if group:
            body["group_name"] = group
        return self._job(self._call("PUT", f"/2/networks/{self._name(name)}/connect", body=body))

    def disconnect_network(self, name: str, *, group: str | None) -> int:
        body = {"group_name": group} if group else {}
        return self._job(self._call("PUT", f"/2/networks/{self._name(name)}/disconnect",
                                    body=body))

    def delete_network(self, name: str) -> int:
        return self._job(self._call("DELETE", f"/2/networks/{self._name(name)}"))


def _explain(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        # Ganeti puts the reason in `message` (HTML-escaped); `explain` is generic text.
        return html.unescape(str(body.get("message") or body.get("explain") or body))[:300]
    return str(body)[:300]


def client_for(backend: Any) -> RapiClient:
    """The configured client class for one backend (CYCLADES_RAPI_CLIENT)."""
    from django.utils.module_loading import import_string

    return import_string(settings.CYCLADES_RAPI_CLIENT)(backend)
