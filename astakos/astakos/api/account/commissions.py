"""Commissions: GET/POST /commissions, /commissions/{serial}[/action], /commissions/action."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from astakos.api.account.access import component_of
from astakos.quotas import commissions
from astakos.quotas.commissions import ProvisionRequest
from astakos.quotas.faults import InvalidProvision
from astakos.quotas.holdings import PROJECT_TAG, USER_TAG, project_holder, user_holder
from astakos.quotas.models import Commission
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest, ItemNotFound


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def expand(item: Any) -> list[ProvisionRequest]:
    """One API provision -> holdings to charge.

    {holder: <user uuid>, source: <project uuid>} charges the member holding and
    the project's total (two-level). A tagged holder ("project:<id>") is charged alone.
    A missing source means the user's base project.
    """
    if not isinstance(item, dict):
        raise InvalidProvision("A provision must be an object.", provision=item)
    holder, source = item.get("holder"), item.get("source")
    resource, quantity = item.get("resource"), item.get("quantity")
    if not isinstance(holder, str) or not holder or not isinstance(resource, str) \
            or not _int(quantity) or not (source is None or isinstance(source, str)):
        raise InvalidProvision("A provision needs holder, resource (strings), quantity "
                               "(integer) and an optional source.", provision=item)
    if holder.startswith(PROJECT_TAG):
        return [ProvisionRequest(holder, "", resource, quantity)]
    user = holder[len(USER_TAG):] if holder.startswith(USER_TAG) else holder
    project = source or user
    if project.startswith(PROJECT_TAG):
        project = project[len(PROJECT_TAG):]
    return [ProvisionRequest(user_holder(user), project_holder(project), resource, quantity),
            ProvisionRequest(project_holder(project), "", resource, quantity)]


@api_view(("GET", "POST"))
def commission_list(request: HttpRequest) -> HttpResponse:
    clientkey = component_of(request)
    if request.method == "GET":
        return JsonResponse(commissions.pending_serials(clientkey), safe=False)
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("provisions"), list):
        raise BadRequest("The body must be {\"provisions\": [...], ...}.")
    force, auto_accept = body.get("force", False), body.get("auto_accept", False)
    name = body.get("name") or ""
    if not isinstance(force, bool) or not isinstance(auto_accept, bool) \
            or not isinstance(name, str):
        raise BadRequest("force and auto_accept are booleans, name a string.")
    provisions = [p for item in body["provisions"] for p in expand(item)]
    with transaction.atomic():
        serial = commissions.issue(clientkey, provisions, name=name, force=force)
        if auto_accept:
            commissions.accept(serial, clientkey=clientkey, reason="auto_accept")
    return JsonResponse({"serial": serial}, status=201)


@api_view(("GET",))
def commission_detail(request: HttpRequest, serial: int) -> JsonResponse:
    clientkey = component_of(request)
    commission = Commission.objects.filter(serial=serial, clientkey=clientkey).first()
    if commission is None:
        raise ItemNotFound(f"No pending commission {serial}.")
    return JsonResponse(commissions.describe(commission))


def _reason(body: dict, key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


@api_view(("POST",))
def commission_action(request: HttpRequest, serial: int) -> HttpResponse:
    clientkey = component_of(request)
    body = json_body(request)
    if not isinstance(body, dict) or len({"accept", "reject"} & set(body)) != 1:
        raise BadRequest("The body must hold exactly one of 'accept' or 'reject'.")
    accept = "accept" in body
    done = commissions.resolve(serial, accept=accept, clientkey=clientkey,
                               reason=_reason(body, "accept" if accept else "reject"))
    if not done:
        raise ItemNotFound(f"No pending commission {serial}.")
    return HttpResponse(status=200)


def _serials(body: dict, key: str) -> list[int]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(_int(v) for v in value):
        raise BadRequest(f"'{key}' must be a list of serials.")
    return value


@api_view(("POST",))
def resolve_many(request: HttpRequest) -> JsonResponse:
    clientkey = component_of(request)
    body = json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be {\"accept\": [...], \"reject\": [...]}.")
    result = commissions.resolve_pending(clientkey, _serials(body, "accept"),
                                         _serials(body, "reject"),
                                         reason=_reason(body, "reason"))
    failed = [[s, ItemNotFound(f"No pending commission {s}.").to_openstack()]
              for s in result.not_found]
    failed += [[s, BadRequest(f"Commission {s} both accepted and rejected.").to_openstack()]
               for s in result.conflicting]
    return JsonResponse({"accepted": result.accepted, "rejected": result.rejected,
                         "failed": failed})
