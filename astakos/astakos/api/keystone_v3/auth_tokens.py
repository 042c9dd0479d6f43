"""POST/GET/HEAD/DELETE /identity/v3/auth/tokens: login, validation, revocation."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from astakos.api.keystone_v3.bodies import token_body
from astakos.api.requests import client_address, query_flag, request_base
from astakos.tokens import cache, login, snapshot, tokens
from snf_common.credentials import Credentials
from snf_common.django.auth import api_view, json_body, require_credentials
from snf_common.faults import BadRequest, Forbidden, ItemNotFound, Unauthorized


def _dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise BadRequest(f"Expected an object for {what}.")
    return value


def _check_domain(container: dict) -> None:
    domain = container.get("domain")
    if domain is None:
        return
    domain = _dict(domain, "domain")
    ident = str(domain.get("id") or domain.get("name") or "")
    if ident.lower() != "default":
        raise Unauthorized(f"Unknown domain {ident!r}; only 'default' exists.")


def _password_user(identity: dict, address: str):
    password = _dict(identity.get("password"), "auth.identity.password")
    user = _dict(password.get("user"), "auth.identity.password.user")
    secret = user.get("password")
    name = user.get("id") or user.get("name")
    if not isinstance(secret, str) or not isinstance(name, str) or not name:
        raise BadRequest("password.user needs 'id' or 'name', and 'password' (strings).")
    if "name" in user and "id" not in user:
        _check_domain(user)
    return login.password_user(name, secret, address=address)


def _scope(auth: dict) -> tuple[str, str]:
    scope = auth.get("scope")
    if scope is None or scope == "unscoped":
        return "", ""
    scope = _dict(scope, "auth.scope")
    if "project" not in scope:
        return "", ""  # domain or system scope: fall back to the default (base) project
    project = _dict(scope["project"], "auth.scope.project")
    project_id, name = project.get("id"), project.get("name")
    if project_id is None and name is None:
        raise BadRequest("scope.project needs 'id' or 'name'.")
    if project_id is None:
        _check_domain(project)
    if not isinstance(project_id or name, str):
        raise BadRequest("scope.project id and name are strings.")
    return project_id or "", name or ""


@api_view(("POST", "GET", "HEAD", "DELETE"), auth=False)
def auth_tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return issue_token(request)
    caller = require_credentials(request)
    subject = request.META.get("HTTP_X_SUBJECT_TOKEN", "").strip()
    if not subject:
        raise BadRequest("The X-Subject-Token header is required.")
    # Usually a cache hit: the auth middleware has just validated the caller's token.
    entry = cache.lookup(subject)
    if entry is None:
        raise ItemNotFound("The token is unknown, expired or revoked.")
    info = entry.info
    _check_may_inspect(caller, info)
    if request.method == "DELETE":
        tokens.revoke(tokens.require(subject))
        return HttpResponse(status=204)
    if request.method == "HEAD":
        response = HttpResponse(status=200)
    else:
        with_catalog = not query_flag(request, "nocatalog")
        base = settings.ASTAKOS_BASE_URL or request_base(request)
        # The JSON is built once per cached token (and base URL, catalog or not).
        data = entry.body((base, with_catalog), lambda: json.dumps(token_body(
            info, request_base=base, with_catalog=with_catalog)).encode())
        response = HttpResponse(data, content_type="application/json")
    response["X-Subject-Token"] = subject
    return response


def _check_may_inspect(caller: Credentials, info: snapshot.TokenInfo) -> None:
    if caller.user_id != info.user_uuid and not (caller.is_admin or caller.is_service):
        raise Forbidden("You may only inspect your own tokens.")


def issue_token(request: HttpRequest) -> HttpResponse:
    body = _dict(json_body(request), "the body")
    auth = _dict(body.get("auth"), "auth")
    identity = _dict(auth.get("identity"), "auth.identity")
    methods = identity.get("methods")
    if not isinstance(methods, list) or not methods:
        raise BadRequest("auth.identity.methods must be a non-empty list.")
    project_id, project_name = _scope(auth)
    if "password" in methods:
        user = _password_user(identity, client_address(request))
        issued = login.login(user, project_id=project_id, project_name=project_name,
                             methods=("password",))
    elif "token" in methods:
        token = _dict(identity.get("token"), "auth.identity.token").get("id")
        if not isinstance(token, str) or not token:
            raise BadRequest("auth.identity.token.id must be a string.")
        original = login.token_row(token)
        if not project_id and not project_name:
            project_id = original.project_id
        issued = login.login(original.user, project_id=project_id, project_name=project_name,
                             methods=("token",), expires_at=original.expires_at)
    else:
        raise Unauthorized(f"Unsupported authentication methods: {methods}.")
    response = JsonResponse(token_body(
        snapshot.fetch(issued.token), request_base=request_base(request),
        with_catalog=not query_flag(request, "nocatalog")), status=201)
    response["X-Subject-Token"] = issued.token
    return response


