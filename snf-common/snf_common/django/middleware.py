"""Request ids, the access log line, and turning exceptions into API faults."""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse

from snf_common.django.faults import fault_format_for, render_fault
from snf_common.faults import BadRequest, Fault, InternalServerError, ItemNotFound

access_log = logging.getLogger("snf.access")
log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Openstack-Request-Id"


def new_request_id() -> str:
    return "req-" + str(uuid.uuid4())


class RequestIdMiddleware:
    """Gives each request an id, answers it in a header, and logs one access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = new_request_id()
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        if request.path.startswith("/compute/"):
            response["X-Compute-Request-Id"] = request.request_id
        if request.path.startswith("/object-store/"):
            response["X-Trans-Id"] = request.request_id
        credentials = getattr(request, "credentials", None)
        access_log.info(
            "%s %s %s %d %.1fms user=%s", request.request_id, request.method,
            request.path, response.status_code, (time.monotonic() - started) * 1000,
            credentials.user_id if credentials else "-")
        return response


def fault_formats() -> list[tuple[str, str]]:
    return list(getattr(settings, "FAULT_FORMATS", []))


def fault_response(request: HttpRequest, fault: Fault) -> HttpResponse:
    fmt = fault_format_for(request.path, fault_formats())
    response = render_fault(fault, fmt, request_id=getattr(request, "request_id", ""))
    if request.method == "HEAD":
        response.content = b""  # a HEAD answer carries headers only
        response["Content-Length"] = "0"
    return response


class FaultMiddleware:
    """Every exception leaves as a fault in the API's format, never as an HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        if isinstance(exception, Fault):
            if exception.status >= 500:
                log.error("%s fault %s: %s", getattr(request, "request_id", "-"),
                          exception.status, exception.message)
            return fault_response(request, exception)
        if isinstance(exception, Http404):
            return fault_response(request, ItemNotFound(str(exception) or "Not found"))
        if isinstance(exception, RequestDataTooBig):
            return fault_response(request, BadRequest("Request body too large"))
        request_id = getattr(request, "request_id", "-")
        log.exception("%s unhandled error on %s %s", request_id, request.method, request.path)
        return fault_response(
            request, InternalServerError(f"Internal error; request id {request_id}"))


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return fault_response(request, ItemNotFound("The resource could not be found."))


def handler500(request: HttpRequest) -> HttpResponse:
    request_id = getattr(request, "request_id", "-")
    return fault_response(request, InternalServerError(f"Internal error; request id {request_id}"))


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return fault_response(request, BadRequest(str(exception) if exception else "Bad request"))


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from snf_common.faults import Forbidden

    return fault_response(request, Forbidden(str(exception) if exception else "Forbidden"))
