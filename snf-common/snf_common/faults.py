"""API faults: raised anywhere, rendered in the API's own format in one place.

A fault carries an HTTP status and the OpenStack fault name that clients parse
(``{"itemNotFound": {"code": 404, "message": "..."}}``). Caller mistakes are 4xx,
failures of a cluster, broker or peer service are 5xx.
"""

from __future__ import annotations

from typing import Any


class Fault(Exception):
    status: int = 500
    name: str = "computeFault"

    def __init__(self, message: str = "", *, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.default_message())
        self.message = message or self.default_message()
        self.details = details
        self.headers = dict(headers or {})

    @classmethod
    def default_message(cls) -> str:
        return cls.__name__

    def to_openstack(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.status, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {self.name: body}


class BadRequest(Fault):
    status, name = 400, "badRequest"


class Unauthorized(Fault):
    status, name = 401, "unauthorized"


class Forbidden(Fault):
    status, name = 403, "forbidden"


class ItemNotFound(Fault):
    status, name = 404, "itemNotFound"


class MethodNotAllowed(Fault):
    status, name = 405, "notAllowed"


class NotAcceptable(Fault):
    status, name = 406, "notAcceptable"


class Conflict(Fault):
    status, name = 409, "conflict"


class BuildInProgress(Conflict):
    name = "buildInProgress"


class LengthRequired(Fault):
    status, name = 411, "lengthRequired"


class PreconditionFailed(Fault):
    status, name = 412, "preconditionFailed"


class RequestEntityTooLarge(Fault):
    status, name = 413, "overLimit"


class OverLimit(Fault):
    """Quota exceeded. Nova reports it as 403 forbidden; Synnefo's commissions as 413."""

    status, name = 413, "overLimit"


class QuotaExceeded(OverLimit):
    pass


class UnsupportedMediaType(Fault):
    status, name = 415, "unsupportedMediaType"


class RangeNotSatisfiable(Fault):
    status, name = 416, "rangeNotSatisfiable"


class UnprocessableEntity(Fault):
    status, name = 422, "unprocessableEntity"


class TooManyRequests(Fault):
    status, name = 429, "overLimit"


class InternalServerError(Fault):
    status, name = 500, "computeFault"


class NotImplementedFault(Fault):
    status, name = 501, "notImplemented"


class BadGateway(Fault):
    status, name = 502, "badGateway"


class ServiceUnavailable(Fault):
    status, name = 503, "serviceUnavailable"


class GatewayTimeout(Fault):
    status, name = 504, "gatewayTimeout"


_BY_STATUS = {
    cls.status: cls
    for cls in (BadRequest, Unauthorized, Forbidden, ItemNotFound, MethodNotAllowed,
                NotAcceptable, Conflict, LengthRequired, PreconditionFailed, OverLimit,
                UnsupportedMediaType, RangeNotSatisfiable, UnprocessableEntity,
                TooManyRequests, InternalServerError, NotImplementedFault, BadGateway,
                ServiceUnavailable, GatewayTimeout)
}


def fault_for_status(status: int, message: str = "", *, details: Any = None) -> Fault:
    """The fault a peer's HTTP status stands for (used by clients to re-raise)."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = BadRequest if 400 <= status < 500 else InternalServerError
        fault = cls(message, details=details)
        fault.status = status
        return fault
    return cls(message, details=details)
