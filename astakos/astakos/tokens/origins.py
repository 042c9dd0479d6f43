"""The cloud's own web origins: where the login may send a user with a token, and which
pages may call the Identity and Account APIs from a browser (CORS).

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


def cors_origins() -> frozenset[str]:
    """ASTAKOS_CORS_ORIGINS when set, else the registered services' origins."""
    configured = settings.ASTAKOS_CORS_ORIGINS
    if configured:
        return frozenset(o for o in (origin_of(v) for v in configured) if o)
    return service_origins()
