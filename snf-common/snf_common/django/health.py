"""/healthz: answers 200 when the service and its database work, 503 otherwise."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

log = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the probe reports every kind of database failure
        log.warning("health check failed: %s", exc)
        return JsonResponse({"service": settings.SERVICE_NAME, "status": "unhealthy",
                             "database": "unreachable"}, status=503)
    return JsonResponse({"service": settings.SERVICE_NAME, "status": "ok", "database": "ok"})
