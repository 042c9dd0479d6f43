"""GET /identity/v3/auth/catalog, /auth/projects, /users/{id}/projects, /domains/{id}."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from astakos.api.keystone_v3.bodies import project_body
from astakos.api.requests import request_base
from astakos.identity.models import User
from astakos.projects.access import member_projects
from astakos.tokens import catalog
from snf_common.django.auth import api_view
from snf_common.faults import Forbidden, ItemNotFound


@api_view(("GET",))
def auth_catalog(request: HttpRequest) -> JsonResponse:
    creds = request.credentials
    base = catalog.base_url(request_base(request))
    items = catalog.entries(user_id=creds.user_id, project_id=creds.project_id,
                            request_base=request_base(request))
    return JsonResponse({"catalog": catalog.as_v3(items),
                         "links": {"self": f"{base}/identity/v3/auth/catalog",
                                   "previous": None, "next": None}})


def _projects_of(request: HttpRequest, user_uuid: str) -> JsonResponse:
    user = User.objects.filter(uuid=user_uuid).first()
    if user is None:
        raise ItemNotFound(f"No such user: {user_uuid}")
    base = catalog.base_url(request_base(request))
    return JsonResponse({"projects": [project_body(p, base) for p in member_projects(user)],
                         "links": {"self": request.build_absolute_uri(),
                                   "previous": None, "next": None}})


@api_view(("GET",))
def auth_projects(request: HttpRequest) -> JsonResponse:
    return _projects_of(request, request.credentials.user_id)


@api_view(("GET",))
def user_projects(request: HttpRequest, user_id: str) -> JsonResponse:
    creds = request.credentials
    if user_id != creds.user_id and not (creds.is_admin or creds.is_service):
        raise Forbidden("You may only list your own projects.")
    return _projects_of(request, user_id)


@api_view(("GET",))
def domain(request: HttpRequest, domain_id: str) -> JsonResponse:
    if domain_id.lower() != "default":
        raise ItemNotFound(f"No such domain: {domain_id}")
    base = catalog.base_url(request_base(request))
    return JsonResponse({"domain": {"id": "default", "name": "Default", "enabled": True,
                                    "description": "The only domain", "tags": [],
                                    "links": {"self": f"{base}/identity/v3/domains/default"}}})
