"""Conditional requests and byte ranges (single, or several as multipart/byteranges)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator

from django.http import HttpRequest

from pithos.api.headers import header, parse_date
from snf_common.faults import PreconditionFailed, RangeNotSatisfiable

RANGE_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


class NotModified(Exception):
    """Answer 304 with the object's headers."""


def _tags(value: str) -> set[str]:
    return {t.strip().removeprefix("W/").strip('"') for t in value.split(",") if t.strip()}


def check_conditions(request: HttpRequest, *, etags: set[str], mtime: float) -> None:
    """If-Match / If-None-Match / If-(Un)Modified-Since for reads (GET, HEAD)."""
    if_match = header(request, "If-Match")
    if if_match is not None:
        tags = _tags(if_match)
        if "*" not in tags and not (tags & etags):
            raise PreconditionFailed("If-Match failed.")
    if_none_match = header(request, "If-None-Match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if "*" in tags or tags & etags:
            raise NotModified()
    elif (since := parse_date(header(request, "If-Modified-Since"))) is not None:
        if int(mtime) <= since:
            raise NotModified()
    unmodified = parse_date(header(request, "If-Unmodified-Since"))
    if unmodified is not None and int(mtime) > unmodified:
        raise PreconditionFailed("If-Unmodified-Since failed.")


def parse_ranges(request: HttpRequest, size: int, *, etags: set[str],
                 mtime: float) -> list[tuple[int, int]] | None:
    """[(start, end_exclusive), ...] or None for the whole object; 416 if unsatisfiable."""
    value = header(request, "Range")
    if not value:
        return None
    if_range = header(request, "If-Range")
    if if_range:
        date = parse_date(if_range)
        if date is not None:
            if int(mtime) > date:
                return None
        elif not (_tags(if_range) & etags):
            return None
    unit, _, specs = value.partition("=")
    if unit.strip().lower() != "bytes" or not specs:
        return None  # syntactically bad: serve the whole object, as Swift does
    ranges = []
    for spec in specs.split(","):
        match = RANGE_SPEC.match(spec)
        if not match or (not match.group(1) and not match.group(2)):
            return None
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last) + 1, size) if last else size
            if last and int(last) < start:
                return None
        else:
            suffix = int(last)
            if suffix == 0:
                continue
            start, end = max(0, size - suffix), size
        if start >= size:
            continue
        ranges.append((start, end))
    if not ranges:
        raise RangeNotSatisfiable("Requested range not satisfiable.",
                                  headers={"Content-Range": f"bytes */{size}"})
    return ranges


def multipart_body(ranges: list[tuple[int, int]], size: int, content_type: str,
                   read: Callable[[int, int], Iterator[bytes]]) -> tuple[str, int, Iterator[bytes]]:
    """(boundary, content length, body chunks) of a multipart/byteranges answer."""
    boundary = secrets.token_hex(16)
    heads = [(f"--{boundary}\r\nContent-Type: {content_type}\r\n"
              f"Content-Range: bytes {s}-{e - 1}/{size}\r\n\r\n").encode() for s, e in ranges]
    tail = f"--{boundary}--\r\n".encode()
    length = sum(len(h) + (e - s) + 2 for h, (s, e) in zip(heads, ranges, strict=True)) + len(tail)

    def body() -> Iterator[bytes]:
        for head, (start, end) in zip(heads, ranges, strict=True):
            yield head
            yield from read(start, end)
            yield b"\r\n"
        yield tail

    return boundary, length, body()
