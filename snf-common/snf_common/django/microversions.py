"""OpenStack microversion negotiation (`OpenStack-API-Version: <service> X.Y`).

A request names a version (or `latest`); none means the minimum. A version out
of the advertised range is 406, a malformed one 400. Services advertise only the
versions whose behaviour they implement, and echo the chosen one with `Vary`.
"""

from __future__ import annotations

from django.http import HttpRequest

from snf_common.faults import BadRequest, NotAcceptable

HEADER = "OpenStack-API-Version"

Version = tuple[int, int]


def version_text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def requested_version(request: HttpRequest, service: str, *, minimum: Version,
                      maximum: Version, legacy_header: str | None = None) -> Version:
    """The version this request asks of `service`, checked against the range."""
    raw = None
    for part in (request.headers.get(HEADER) or "").split(","):
        words = part.strip().split()
        if len(words) == 2 and words[0].lower() == service:
            raw = words[1]
    if raw is None and legacy_header:
        raw = request.headers.get(legacy_header)
    if not raw:
        return minimum
    if raw.strip().lower() == "latest":
        return maximum
    try:
        major, minor = (int(x) for x in raw.strip().split("."))
    except ValueError:
        raise BadRequest(f"Invalid microversion {raw!r}.") from None
    if not minimum <= (major, minor) <= maximum:
        raise NotAcceptable(f"Version {raw} is not supported by the API. Minimum is "
                            f"{version_text(minimum)} and maximum is {version_text(maximum)}.")
    return major, minor
