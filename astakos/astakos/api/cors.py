"""CORS for the Identity and Account APIs: pages of the cloud's own origins (the Cyclades
dashboard) may call them from a browser with the user's token in X-Auth-Token.

Never for cookies: no Access-Control-Allow-Credentials, and the UI's paths (/ui/, where
the session cookie lives) get no CORS headers at all. An origin that is not the cloud's
gets no CORS headers, so the browser keeps the answer from the page; every call still
needs a valid token, checked as for any client.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from astakos.tokens.origins import cors_origins, origin_of

API_PREFIXES = ("/identity", "/account/")
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Accept, Content-Type, X-Auth-Token, X-Subject-Token, OpenStack-API-Version"
EXPOSED_HEADERS = "X-Subject-Token, X-Openstack-Request-Id, Retry-After"
PREFLIGHT_MAX_AGE_SECONDS = 600


def allowed_origin(request: HttpRequest) -> str:
    """The request's Origin if it is one of the cloud's, else ''."""
    origin = request.headers.get("Origin", "")
    return origin if origin and origin_of(origin) == origin and origin in cors_origins() else ""


class CorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIXES):
            return self.get_response(request)
        origin = allowed_origin(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)  # a preflight needs no token
            if origin:
                response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
                response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        else:
            response = self.get_response(request)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        patch_vary_headers(response, ("Origin",))
        return response
