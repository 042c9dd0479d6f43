"""POST /account/v1.0/user_catalogs (and service/user_catalogs): uuids <-> display names."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, JsonResponse

from astakos.api.account.access import component_of
from astakos.identity.models import User
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest


def _strings(body: dict, key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"'{key}' must be a list of strings.")
    return value


def catalogs(request: HttpRequest) -> JsonResponse:
    body = json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be {\"uuids\": [...], \"displaynames\": [...]}.")
    uuids, names = _strings(body, "uuids"), _strings(body, "displaynames")
    uuid_catalog = {u.uuid: u.email or u.username
                    for u in User.objects.filter(uuid__in=uuids, is_service=False)}
    lowered = [n.lower() for n in names]
    found = User.objects.filter(Q(username__in=lowered) | Q(email__in=names), is_service=False)
    by_name = {}
    for u in found:
        by_name[u.username] = u.uuid
        if u.email:
            by_name[u.email.lower()] = u.uuid
    displayname_catalog = {n: by_name[n.lower()] for n in names if n.lower() in by_name}
    return JsonResponse({"uuid_catalog": uuid_catalog,
                         "displayname_catalog": displayname_catalog})


@api_view(("POST",))
def user_catalogs(request: HttpRequest) -> JsonResponse:
    return catalogs(request)


@api_view(("POST",))
def service_user_catalogs(request: HttpRequest) -> JsonResponse:
    component_of(request)
    return catalogs(request)
