"""The cloud's own web origins and UIs: which pages may call the Identity and Account
APIs from a browser (CORS), and which page the login may send a user back to with a
token (only a registered service's declared web UI, not any page of its origin).

An origin is `scheme://host[:port]` as browsers write it in the Origin header (lower
case, no default port). By default the cloud's origins are those of the registered
services (`astakos-manage service-import`): their API and UI URLs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from astakos.tokens.catalog import service_rows

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """The origin of an http(s) URL; '' for anything else (other schemes, user info,
    no host, spaces or backslashes that browsers and servers read differently)."""
    if not url or any(c in url for c in "\\ \t\r\n") or any(ord(c) < 32 for c in url):
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return ""
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def service_origins() -> frozenset[str]:
    """Origins of every registered service's API and UI URLs (cached like the catalog)."""
    found = set()
    for _name, _type, _version, url, ui_url in service_rows():
        for value in (url, ui_url):
            origin = origin_of(value.replace("{user_id}", "u").replace("{project_id}", "p"))
            if origin:
                found.add(origin)
    return frozenset(found)


def service_ui_urls() -> frozenset[str]:
    """The web UIs the registered services declare (their endpoints' `ui_url`)."""
    return frozenset(ui_url for *_rest, ui_url in service_rows() if origin_of(ui_url))


def is_service_ui_url(url: str) -> bool:
    """True for a URL inside a registered service's web UI: same origin, and a path
    under the UI's path. Only such a page may receive a token after login: another
    page of the same origin may hold what users put there (Pithos serves public files
    from its origin), and a script there would read the token from the address."""
    origin = origin_of(url)
    if not origin:
        return False
    path = urlsplit(url).path or "/"
    if "%" in path or any(part in (".", "..") for part in path.split("/")):
        return False      # no encoded or dot segments that a server might resolve away
    for ui_url in service_ui_urls():
        ui_path = urlsplit(ui_url).path or "/"
        prefix = ui_path if ui_path.endswith("/") else ui_path + "/"
        if origin_of(ui_url) == origin and (path == ui_path.rstrip("/") or
                                            path.startswith(prefix)):
            return True
    return False


def cors_origins() -> frozenset[str]:
    """ASTAKOS_CORS_ORIGINS when set, else the registered services' origins."""
    configured = settings.ASTAKOS_CORS_ORIGINS
    if configured:
        return frozenset(o for o in (origin_of(v) for v in configured) if o)
    return service_origins()
