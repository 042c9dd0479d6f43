"""/account/v1.0/projects: projects, applications (via actions) and memberships."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, JsonResponse

from astakos.identity.models import User
from astakos.identity.providers.local import find_user
from astakos.projects import applications, memberships
from astakos.projects.access import MEMBER_STATES, visible_project
from astakos.projects.models import Membership, Project, ProjectApplication, ProjectState
from astakos.projects.views import application_json, membership_json, project_json
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest, ItemNotFound

APPLICATION_ACTIONS = {"approve": applications.approve, "deny": applications.deny,
                       "cancel": applications.cancel, "dismiss": applications.dismiss}


def _caller(request: HttpRequest) -> User:
    return User.objects.get(uuid=request.credentials.user_id)


@api_view(("GET", "POST"))
def project_list(request: HttpRequest) -> JsonResponse:
    user = _caller(request)
    if request.method == "POST":
        app = applications.submit(user, json_body(request))
        return JsonResponse({"id": app.project_id, "application": app.id}, status=201)
    query = Project.objects.exclude(state=ProjectState.DELETED)
    member_of = Membership.objects.filter(user=user, state__in=MEMBER_STATES).values("project_id")
    if request.GET.get("mode") == "member":
        query = query.filter(id__in=member_of)
    elif not applications.may_moderate(user):
        query = query.filter(Q(private=False, is_base=False) | Q(owner=user) | Q(id__in=member_of))
    for key in ("state", "name"):
        if request.GET.get(key):
            query = query.filter(**{key: request.GET[key]})
    if request.GET.get("owner"):
        query = query.filter(owner__uuid=request.GET["owner"])
    projects = query.select_related("owner").prefetch_related("grants")
    return JsonResponse([project_json(p) for p in projects], safe=False)


@api_view(("GET", "PUT"))
def project_detail(request: HttpRequest, project_id: str) -> JsonResponse:
    user = _caller(request)
    project = visible_project(user, project_id, is_admin=applications.may_moderate(user))
    if request.method == "PUT":
        app = applications.submit(user, json_body(request), project=project)
        return JsonResponse({"id": project.id, "application": app.id}, status=201)
    return JsonResponse(project_json(project))


@api_view(("POST",))
def project_action(request: HttpRequest, project_id: str) -> JsonResponse:
    user = _caller(request)
    project = visible_project(user, project_id, is_admin=applications.may_moderate(user))
    body = json_body(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("The body must be {<action>: {\"reason\": ..., \"app_id\": ...}}.")
    (action, args), = body.items()
    args = args if isinstance(args, dict) else {}
    reason = args.get("reason") if isinstance(args.get("reason"), str) else ""
    if action in APPLICATION_ACTIONS:
        app = ProjectApplication.objects.filter(project=project, id=args.get("app_id")).first()
        if app is None:
            raise ItemNotFound(f"No application {args.get('app_id')} for project {project.id}.")
        APPLICATION_ACTIONS[action](app, user, reason)
    else:
        applications.control(project, action, user, reason)
    return JsonResponse({})


@api_view(("GET",))
def application_detail(request: HttpRequest, app_id: int) -> JsonResponse:
    user = _caller(request)
    app = ProjectApplication.objects.filter(id=app_id).select_related("project").first()
    if app is None or not (applications.may_moderate(user) or user.id in
                           (app.applicant_id, app.owner_id)):
        raise ItemNotFound(f"No application {app_id}.")
    return JsonResponse(application_json(app))


@api_view(("GET", "POST"))
def membership_list(request: HttpRequest) -> JsonResponse:
    user = _caller(request)
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict) or len(body) != 1 or \
                next(iter(body)) not in ("join", "enroll"):
            raise BadRequest("The body must be {\"join\": {...}} or {\"enroll\": {...}}.")
        (action, args), = body.items()
        if not isinstance(args, dict) or not isinstance(args.get("project"), str):
            raise BadRequest(f"{action} needs a 'project' id.")
        project = visible_project(user, args["project"])
        if action == "join":
            membership = memberships.join(user, project)
        else:
            target = find_user(args.get("user") if isinstance(args.get("user"), str) else "")
            if target is None or target.is_service:
                raise ItemNotFound(f"No such user: {args.get('user')}")
            membership = memberships.enroll(user, project, target)
        return JsonResponse({"id": membership.id}, status=201)
    query = Membership.objects.select_related("project", "user").filter(project__is_base=False)
    if not applications.may_moderate(user):
        query = query.filter(Q(user=user) | Q(project__owner=user))
    if request.GET.get("project"):
        query = query.filter(project_id=request.GET["project"])
    return JsonResponse([membership_json(m, memberships.allowed_actions(m, user))
                         for m in query], safe=False)


def _visible_membership(user: User, membership_id: int) -> Membership:
    m = Membership.objects.select_related("project", "user").filter(id=membership_id).first()
    if m is None or not (m.user_id == user.id or m.project.owner_id == user.id
                         or applications.may_moderate(user)):
        raise ItemNotFound(f"No membership {membership_id}.")
    return m


@api_view(("GET",))
def membership_detail(request: HttpRequest, membership_id: int) -> JsonResponse:
    user = _caller(request)
    m = _visible_membership(user, membership_id)
    return JsonResponse(membership_json(m, memberships.allowed_actions(m, user)))


@api_view(("POST",))
def membership_action(request: HttpRequest, membership_id: int) -> JsonResponse:
    user = _caller(request)
    m = _visible_membership(user, membership_id)
    body = json_body(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("The body must be {<action>: \"reason\"}.")
    memberships.act(m, next(iter(body)), user)
    return JsonResponse({})
