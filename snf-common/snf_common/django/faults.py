"""Render a Fault in the format of the API that raised it (one place for all services)."""

from __future__ import annotations

import json

from django.http import HttpResponse

from snf_common.faults import Fault

KEYSTONE_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                   404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
                   413: "Request Entity Too Large", 415: "Unsupported Media Type",
                   429: "Too Many Requests", 500: "Internal Server Error",
                   503: "Service Unavailable"}


def fault_format_for(path: str, formats: list[tuple[str, str]]) -> str:
    """'openstack' (Nova/Neutron/Cinder/Glance JSON), 'keystone' or 'swift' (plain text)."""
    for prefix, fmt in formats:
        if path.startswith(prefix):
            return fmt
    return "openstack"


def render_fault(fault: Fault, fmt: str, *, request_id: str = "") -> HttpResponse:
    if fmt == "swift":
        body = fault.message.encode() + b"\n"
        response = HttpResponse(body, status=fault.status, content_type="text/plain; charset=UTF-8")
    elif fmt == "keystone":
        payload = {"error": {"code": fault.status,
                             "title": KEYSTONE_TITLES.get(fault.status, "Error"),
                             "message": fault.message}}
        response = HttpResponse(json.dumps(payload), status=fault.status,
                                content_type="application/json")
    else:
        response = HttpResponse(json.dumps(fault.to_openstack()), status=fault.status,
                                content_type="application/json")
    for name, value in fault.headers.items():
        response[name] = value
    response["Content-Length"] = str(len(response.content))  # clients expect a length
    if fault.status == 401 and fmt != "swift" and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Keystone uri="identity"'
    return response
