"""Checks made before anything starts, each failing with one line that names the culprit."""

from __future__ import annotations

import errno
import socket
from typing import Any
from urllib.parse import unquote, urlparse

from snf_deploy import DeployError
from snf_deploy.state import SERVICES


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Bind like gunicorn does (SO_REUSEADDR), so TIME_WAIT leftovers do not count as busy."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def check_ports(wanted: dict[str, int]) -> None:
    """wanted: {process name: port} for the processes about to start."""
    for name, port in wanted.items():
        if not port_is_free(port):
            raise DeployError(f"port {port} (wanted by {name}) is already in use; "
                              "stop what uses it or pick another --port-base")


def redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
    return parsed._replace(netloc=netloc).geturl()


def check_postgresql(service: str, url: str, timeout: int = 3) -> None:
    import psycopg2  # only needed when a PostgreSQL URL is configured

    parsed = urlparse(url)
    try:
        conn = psycopg2.connect(host=parsed.hostname or "", port=parsed.port or 5432,
                                user=unquote(parsed.username or ""),
                                password=unquote(parsed.password or ""),
                                dbname=parsed.path.lstrip("/"), connect_timeout=timeout)
    except psycopg2.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or ["no answer"])[0]
        raise DeployError(f"{service} database {redact(url)} does not answer: {reason}") from None
    conn.close()


def check_tcp(what: str, url: str, default_port: int, timeout: float = 3.0) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise DeployError(f"{what} {redact(url)} does not answer: {exc.strerror or exc}") from None


def check_servers(settings: dict[str, dict[str, Any]]) -> None:
    """Databases and the queue server named in the settings must answer."""
    for service in SERVICES:
        url = settings[service][f"{service.upper()}_DATABASE_URL"]
        if urlparse(url).scheme in ("postgres", "postgresql"):
            check_postgresql(service, url)
    queue = settings["astakos"]["QUEUE_URL"]
    if urlparse(queue).scheme in ("amqp", "amqps"):
        check_tcp("queue", queue, 5671 if queue.startswith("amqps") else 5672)
