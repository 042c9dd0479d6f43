"""HTTP plumbing for every client: a pooled session, timeouts, retries, typed errors."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from typing import Any

from snf_common.clients.http import Pool, Response, TransportError, new_pool
from snf_common.faults import Fault, fault_for_status

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_TIMEOUT_SECONDS = 30.0


class ClientError(Exception):
    """A call failed; `status` is the HTTP status (0 when no answer), `fault` the API's."""

    def __init__(self, message: str, *, status: int = 0, details: Any = None,
                 headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details
        self.headers = headers or {}
        self.body = body

    def as_fault(self) -> Fault:
        """Re-raise a peer's error as our own fault (a peer outage becomes 503)."""
        if self.status == 0:
            from snf_common.faults import ServiceUnavailable

            return ServiceUnavailable(self.message)
        return fault_for_status(self.status, self.message, details=self.details)


def parse_error(response: Response) -> ClientError:
    """Turn an error response in any of our formats into a ClientError."""
    message = response.reason or f"HTTP {response.status_code}"
    details = None
    ctype = response.headers.get("Content-Type", "")
    if "json" in ctype:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict) and len(payload) == 1:
            (inner,) = payload.values()
            if isinstance(inner, dict):
                message = inner.get("message") or message
                details = inner.get("details")
    elif response.content:
        message = response.content.decode("utf-8", "replace").strip()[:500] or message
    return ClientError(message, status=response.status_code, details=details,
                       headers=dict(response.headers), body=response.content)


class HttpClient:
    """Base of every API client: `endpoint` is the versioned base URL."""

    def __init__(self, endpoint: str, token: str = "", *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 retries: int = 3, verify: bool | str = True,
                 session: Pool | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.verify = verify
        self.session = session or new_pool()

    def url(self, path: str) -> str:
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.endpoint + "/" + path.lstrip("/") if path else self.endpoint

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["X-Auth-Token"] = self.token
        if extra:
            headers.update(extra)
        return headers

    def request(self, method: str, path: str, *, json_body: Any = None, data: Any = None,
                params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                expect: Iterable[int] = (200, 201, 202, 204), stream: bool = False,
                retry: bool | None = None) -> Response:
        """Send one request; retry idempotent ones on connection errors and 503."""
        method = method.upper()
        all_headers = self.headers(headers)
        if json_body is not None:
            data = json.dumps(json_body)
            all_headers.setdefault("Content-Type", "application/json")
        may_retry = (method in IDEMPOTENT_METHODS) if retry is None else retry
        attempts = 1 + (self.retries if may_retry else 0)
        delay = 0.2
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                response = self.session.request(
                    method, self.url(path), data=data, params=params, headers=all_headers,
                    timeout=self.timeout, stream=stream, verify=self.verify)
            except TransportError as exc:
                log.debug("%s %s: %s", method, self.url(path), exc)
                if attempt + 1 < attempts:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise ClientError(str(exc)) from None
            log.debug("%s %s -> %d %s (%.1f ms)", method, response.url, response.status_code,
                      response.reason, 1000 * (time.monotonic() - started))
            if response.status_code == 503 and attempt + 1 < attempts:
                response.close()
                time.sleep(delay)
                delay *= 2
                continue
            if response.status_code not in set(expect):
                raise parse_error(response)
            return response
        raise AssertionError("unreachable")

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, body: Any, **kwargs: Any) -> Any:
        response = self.request("POST", path, json_body=body, **kwargs)
        return response.json() if response.content else None


def new_session(pool_size: int = 16) -> Any:
    """A pooled `requests` session, for callers that need requests' own API (the Ganeti
    RAPI client); the API clients here use snf_common.clients.http instead."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
