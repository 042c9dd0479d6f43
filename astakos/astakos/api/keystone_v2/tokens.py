"""POST /identity/v2.0/tokens: the access object kamaki and v2 clients expect."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from astakos.api.keystone_v3.bodies import expires_of, project_name, roles, timestamp
from astakos.api.requests import client_address, request_base
from astakos.identity.users import is_admin
from astakos.projects.access import member_projects
from astakos.tokens import catalog, login, tokens
from astakos.tokens.models import Token
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest, Unauthorized


def _tenant(auth: dict) -> tuple[str, str]:
    tenant_id, tenant_name = auth.get("tenantId") or "", auth.get("tenantName") or ""
    if not isinstance(tenant_id, str) or not isinstance(tenant_name, str):
        raise BadRequest("tenantId and tenantName are strings.")
    return tenant_id, tenant_name


def _password_login(credentials: Any, auth: dict, address: str) -> tuple[str, Token]:
    if not isinstance(credentials, dict):
        raise BadRequest("passwordCredentials must be an object.")
    name, secret = credentials.get("username"), credentials.get("password")
    if not isinstance(name, str) or not isinstance(secret, str) or not name:
        raise BadRequest("passwordCredentials needs 'username' and 'password' strings.")
    tenant_id, tenant_name = _tenant(auth)
    # Synnefo's original sent (uuid, token) here: accept a live token of that user too.
    row = tokens.lookup(secret)
    if row is not None and name in (row.user.uuid, row.user.username):
        return _maybe_rescope(secret, row, tenant_id, tenant_name)
    user = login.password_user(name, secret, address=address)
    issued = login.login(user, project_id=tenant_id, project_name=tenant_name)
    return issued.token, issued.row


def _maybe_rescope(token: str, row: Token, tenant_id: str, tenant_name: str) -> tuple[str, Token]:
    """The same token when the tenant is unchanged (validation costs no new row)."""
    if (not tenant_id and not tenant_name) or tenant_id == row.project_id or \
            (tenant_name and tenant_name == project_name(row.project_id)):
        return token, row
    issued = login.login(row.user, project_id=tenant_id, project_name=tenant_name,
                         methods=("token",), expires_at=row.expires_at)
    return issued.token, issued.row


def access_body(token: str, row: Token, base: str) -> dict[str, Any]:
    user = row.user
    user_roles = roles(user)
    items = catalog.entries(user_id=user.uuid, project_id=row.project_id, request_base=base,
                            keystone_version="v2.0")
    return {"access": {
        "token": {"id": token, "issued_at": timestamp(row.issued_at),
                  "expires": timestamp(expires_of(row)), "audit_ids": [row.audit_id],
                  "tenant": {"id": row.project_id, "name": project_name(row.project_id),
                             "enabled": True, "description": None}},
        "serviceCatalog": catalog.as_v2(items),
        "user": {"id": user.uuid, "name": user.username, "username": user.username,
                 "roles": user_roles, "roles_links": [],
                 "projects": [p.id for p in member_projects(user)]},
        "metadata": {"is_admin": 1 if is_admin(user) else 0,
                     "roles": [r["id"] for r in user_roles]}}}


@api_view(("POST",), auth=False)
def create_token(request: HttpRequest) -> JsonResponse:
    body = json_body(request, required=False)
    base = request_base(request)
    if body == {}:
        # Public mode: only the catalog, without per-user URLs.
        items = catalog.entries(user_id="", project_id="", request_base=base,
                                keystone_version="v2.0")
        return JsonResponse({"access": {"serviceCatalog": catalog.as_v2(items)}})
    if not isinstance(body, dict) or not isinstance(body.get("auth"), dict):
        raise BadRequest("The body must be {\"auth\": {...}}.")
    auth = body["auth"]
    if "passwordCredentials" in auth:
        token, row = _password_login(auth["passwordCredentials"], auth, client_address(request))
    elif "token" in auth:
        token = auth["token"].get("id") if isinstance(auth["token"], dict) else None
        if not isinstance(token, str) or not token:
            raise BadRequest("auth.token.id must be a string.")
        row = tokens.lookup(token)
        if row is None:
            raise Unauthorized("The token is unknown, expired or revoked.")
        token, row = _maybe_rescope(token, row, *_tenant(auth))
    else:
        raise BadRequest("auth needs passwordCredentials or token.")
    return JsonResponse(access_body(token, row, base))
