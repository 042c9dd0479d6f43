"""Listings as Swift clients want them: plain text, JSON or XML."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from django.http import HttpRequest, HttpResponse

from snf_common.faults import BadRequest


def listing_format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "").lower()
    if not fmt:
        accept = request.META.get("HTTP_ACCEPT", "")
        if "application/json" in accept:
            fmt = "json"
        elif "application/xml" in accept or "text/xml" in accept:
            fmt = "xml"
        else:
            fmt = "plain"
    if fmt not in ("plain", "text", "json", "xml"):
        raise BadRequest("format must be plain, json or xml.")
    return "plain" if fmt == "text" else fmt


def render(fmt: str, items: list[dict], *, root: str, root_name: str, item: str,
           headers: dict[str, str]) -> HttpResponse:
    """items: dicts with "name" (or "subdir"); plain lists names one a line."""
    if fmt == "json":
        response = HttpResponse(json.dumps(items), content_type="application/json; charset=utf-8")
    elif fmt == "xml":
        parts = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root} name={quoteattr(root_name)}>"]
        for entry in items:
            if "subdir" in entry:
                parts.append(f"<subdir name={quoteattr(entry['subdir'])}>"
                             f"<name>{escape(entry['subdir'])}</name></subdir>")
                continue
            fields = "".join(f"<{k}>{escape(_text(v))}</{k}>" for k, v in entry.items())
            parts.append(f"<{item}>{fields}</{item}>")
        parts.append(f"</{root}>")
        response = HttpResponse("".join(parts), content_type="application/xml; charset=utf-8")
    else:
        if not items:
            response = HttpResponse(b"", status=204)
            del response["Content-Type"]
        else:
            text = "".join((e.get("subdir") or e["name"]) + "\n" for e in items)
            response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    response["Content-Length"] = str(len(response.content))
    return response


def _text(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)
