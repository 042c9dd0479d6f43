"""POST /identity/v3/users/{id}/password: change one's own password (Keystone's shape).

Body `{"user": {"password": new, "original_password": old}}` → 204. As in
Keystone, the original password is the credential; a token, when one is sent,
must be the same user's. Every token of the user is revoked.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from astakos.api.requests import client_address
from astakos.identity import passwords
from astakos.identity.models import User
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest, Forbidden, Unauthorized


@api_view(("POST",), auth=False)
def user_password(request: HttpRequest, user_id: str) -> HttpResponse:
    body = json_body(request)
    data = body.get("user") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("original_password"), str) \
            or "password" not in data:
        raise BadRequest("The body must be {\"user\": {\"password\", \"original_password\"}}.")
    if request.credentials is not None and request.credentials.user_id != user_id:
        raise Forbidden("You may only change your own password.")
    user = User.objects.filter(uuid=user_id, is_service=False).first()
    if user is None or not user.is_active:
        # Same answer as a wrong password: the call must not reveal which accounts exist.
        raise Unauthorized("The original password is wrong.")
    passwords.change(user, data["original_password"], data["password"],
                     address=client_address(request))
    return HttpResponse(status=204)
