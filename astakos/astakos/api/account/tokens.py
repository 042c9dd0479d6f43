"""POST /account/v1.0/tokens/renew: trade the calling token for a fresh one.

The new token has the same user and project scope and a full lifetime
(ASTAKOS_TOKEN_TTL_SECONDS from now); the calling token is revoked. This is a
rollover, unlike Keystone's token method, whose tokens never outlive the
original. Component (service) tokens are renewed with
`astakos-manage component-token-renew` instead.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from astakos.api.keystone_v3.bodies import expires_of, timestamp
from astakos.tokens import tokens
from snf_common.django.auth import api_view
from snf_common.faults import Forbidden


@api_view(("POST",))
def renew(request: HttpRequest) -> JsonResponse:
    creds = request.credentials
    if creds.is_service:
        raise Forbidden("Service tokens are renewed with astakos-manage component-token-renew.")
    issued = tokens.rollover(tokens.require(creds.token))
    row = issued.row
    response = JsonResponse({"token": {
        "id": issued.token, "expires_at": timestamp(expires_of(row)),
        "issued_at": timestamp(row.issued_at), "audit_id": row.audit_id,
        "user_id": creds.user_id, "project_id": row.project_id}}, status=201)
    response["X-Subject-Token"] = issued.token
    return response
