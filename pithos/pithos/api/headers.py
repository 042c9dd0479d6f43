"""Reading Swift/Pithos request headers and writing response headers."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, parse_http_date_safe

from snf_common.faults import BadRequest, LengthRequired


def header(request: HttpRequest, name: str, default: str | None = None) -> str | None:
    key = name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    value = request.META.get(key)
    if value is None:
        return default
    # WSGI hands header bytes over as latin-1; clients send UTF-8.
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def prefixed(request: HttpRequest, prefix: str) -> dict[str, str]:
    """{'color': 'blue'} from X-Object-Meta-Color: blue (keys lower-case, '-' kept)."""
    meta_prefix = "HTTP_" + prefix.upper().replace("-", "_")
    found = {}
    for key in request.META:
        if key.startswith(meta_prefix) and len(key) > len(meta_prefix):
            name = key[len(meta_prefix):].lower().replace("_", "-")
            found[name] = header(request, prefix + name) or ""
    return found


def meta_headers(prefix: str, meta: dict[str, str]) -> dict[str, str]:
    return {prefix + "-".join(p.capitalize() for p in key.split("-")): quote_value(value)
            for key, value in meta.items()}


def quote_value(value: str) -> str:
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        from urllib.parse import quote

        return quote(value, safe="")


def last_modified(ts: float) -> str:
    return http_date(ts)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse_date(value: str | None) -> float | None:
    if not value:
        return None
    return parse_http_date_safe(value)


def parse_timestamp(value: str | None) -> float | None:
    """`until=` accepts seconds since the epoch or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = parse_http_date_safe(value)
        if parsed is None:
            raise BadRequest("Bad until timestamp.")
        return parsed


def source_path(value: str) -> tuple[str, str]:
    """'/cont/obj' (URL-quoted as Swift clients send it) -> ('cont', 'obj')."""
    value = unquote(value).lstrip("/")
    container, sep, name = value.partition("/")
    if not sep or not container or not name:
        raise BadRequest("Expected /<container>/<object>.")
    return container, name


def is_chunked(request: HttpRequest) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def body_length(request: HttpRequest) -> int | None:
    """Declared body length; None for chunked bodies."""
    if is_chunked(request):
        return None
    raw = request.META.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return 0
    try:
        length = int(raw)
    except ValueError:
        raise BadRequest("Bad Content-Length.")
    if length < 0:
        raise BadRequest("Bad Content-Length.")
    return length


def body_stream(request: HttpRequest, *, required: bool = True):
    """A file-like body read piece by piece, never whole (chunked bodies included)."""
    if is_chunked(request):
        # Django only reads Content-Length bodies; the server (gunicorn) decodes chunks.
        return request.environ["wsgi.input"]
    if required and request.META.get("CONTENT_LENGTH") in (None, ""):
        raise LengthRequired("Content-Length or chunked transfer encoding is required.")
    return request


def has_body(request: HttpRequest) -> bool:
    length = body_length(request)
    return length is None or length > 0


def empty(status: int, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(b"", status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    response["Content-Length"] = "0"
    if status in (204, 304):
        del response["Content-Type"]
    return response


def truthy(request: HttpRequest, name: str) -> bool:
    return name in request.GET and request.GET.get(name, "").lower() not in ("false", "0", "no")
