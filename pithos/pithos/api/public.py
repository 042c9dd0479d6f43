"""/public/<token>: anonymous GET/HEAD of a published object, with few headers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from pithos.api.headers import empty, last_modified
from pithos.api.ranges import NotModified, check_conditions, multipart_body, parse_ranges
from pithos.objects import md5s, public
from snf_common.django.auth import api_view


@api_view(("GET", "HEAD"), auth=False)
def public_object(request: HttpRequest, token: str) -> HttpResponse:
    from pithos.api.objects import Body, respond

    version = public.resolve(token)
    body = Body([(version.hash_list(), version.size)], md5s.ensure(version))
    headers = {"ETag": body.etag, "Content-Type": version.content_type,
               "Last-Modified": last_modified(version.mtime), "Accept-Ranges": "bytes"}
    if version.content_encoding:
        headers["Content-Encoding"] = version.content_encoding
    if version.content_disposition:
        headers["Content-Disposition"] = version.content_disposition
    etags = {body.etag}
    try:
        check_conditions(request, etags=etags, mtime=version.mtime)
    except NotModified:
        return empty(304, {"ETag": body.etag})
    size = body.size
    ranges = parse_ranges(request, size, etags=etags, mtime=version.mtime)
    head = request.method == "HEAD"
    if ranges is None:
        headers["Content-Length"] = str(size)
        return respond(200, headers, None if head else body.read(0, size))
    if len(ranges) == 1:
        start, end = ranges[0]
        headers.update({"Content-Length": str(end - start),
                        "Content-Range": f"bytes {start}-{end - 1}/{size}"})
        return respond(206, headers, None if head else body.read(start, end))
    boundary, length, chunks = multipart_body(ranges, size, version.content_type, body.read)
    headers.update({"Content-Type": f"multipart/byteranges; boundary={boundary}",
                    "Content-Length": str(length)})
    return respond(206, headers, None if head else chunks)
