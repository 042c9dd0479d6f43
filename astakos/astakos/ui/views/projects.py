"""Projects: list, apply (create), detail with members, join, leave, member and admin actions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods, require_POST

from astakos.projects import applications, memberships
from astakos.projects.access import visible_project
from astakos.projects.models import (
    ApplicationState,
    Membership,
    MembershipState,
    Project,
    ProjectApplication,
    ProjectState,
)
from astakos.quotas.models import Resource
from astakos.ui.session import current_user, login_required
from astakos.ui.views.common import attempt, render
from snf_common.faults import ItemNotFound

POLICY_CHOICES = ("auto", "moderated", "closed")


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    mine = Membership.objects.filter(user=user).exclude(
        state__in=[MembershipState.REMOVED, MembershipState.CANCELLED]).select_related(
        "project").exclude(project__is_base=True).exclude(project__state=ProjectState.DELETED)
    joined = {m.project_id for m in mine}
    public = Project.objects.filter(state=ProjectState.ACTIVE, is_base=False, private=False) \
        .exclude(id__in=joined)
    applied = ProjectApplication.objects.filter(applicant=user).order_by("-id")[:20]
    may_moderate = applications.may_moderate(user)
    pending = ProjectApplication.objects.filter(state=ApplicationState.PENDING) \
        .select_related("applicant") if may_moderate else []
    return render(request, "projects.html", {
        "memberships": mine, "public": public, "applications": applied,
        "pending": pending, "may_moderate": may_moderate})


def _spec_from_form(post) -> dict:
    spec = {"name": post.get("name", "").strip(),
            "description": post.get("description", "").strip(),
            "homepage": post.get("homepage", "").strip(),
            "join_policy": post.get("join_policy", "moderated"),
            "leave_policy": post.get("leave_policy", "auto"),
            "comments": post.get("comments", "").strip(), "resources": {}}
    max_members = post.get("max_members", "").strip()
    spec["max_members"] = int(max_members) if max_members.isdigit() else None
    for resource in Resource.objects.filter(allow_in_projects=True):
        total = post.get(f"project_capacity__{resource.name}", "").strip()
        each = post.get(f"member_capacity__{resource.name}", "").strip()
        if total or each:
            spec["resources"][resource.name] = {
                "project_capacity": int(total) if total.isdigit() else -1,
                "member_capacity": int(each) if each.isdigit() else -1}
    return spec


@require_http_methods(["GET", "POST"])
@login_required
def project_apply(request: HttpRequest) -> HttpResponse:
    resources = Resource.objects.filter(allow_in_projects=True).order_by("name")
    form = {"join_policy": "moderated", "leave_policy": "auto"}
    if request.method == "POST":
        form = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        ok, application = attempt(request, lambda: applications.submit(
            current_user(request), _spec_from_form(request.POST)))
        if ok:
            messages.success(request, f"Your application for project "
                                      f"{application.name!r} waits for approval.")
            return HttpResponseRedirect(f"/ui/projects/{application.project_id}")
    return render(request, "project_apply.html", {
        "form": form, "resources": resources, "policies": POLICY_CHOICES},
        status=400 if request.method == "POST" else 200)


def _project(request: HttpRequest, project_id: str) -> Project:
    user = current_user(request)
    return visible_project(user, project_id, is_admin=applications.may_moderate(user))


@login_required
def project_detail(request: HttpRequest, project_id: str) -> HttpResponse:
    user = current_user(request)
    project = _project(request, project_id)
    manager = project.owner_id == user.id or applications.may_moderate(user)
    own = Membership.objects.filter(project=project, user=user).first()
    members = []
    if manager or (own and own.state == MembershipState.ACCEPTED):
        for m in project.memberships.select_related("user").filter(
                ~Q(state__in=[MembershipState.CANCELLED, MembershipState.REMOVED])):
            members.append({"m": m, "actions": memberships.allowed_actions(m, user)})
    return render(request, "project_detail.html", {
        "project": project, "manager": manager, "own": own,
        "own_actions": memberships.allowed_actions(own, user) if own else [],
        "members": members, "grants": project.grants.all().order_by("resource"),
        "application": project.applications.order_by("-id").first(),
        "may_moderate": applications.may_moderate(user),
        "can_join": (own is None or own.state in (MembershipState.REJECTED,
                                                  MembershipState.CANCELLED,
                                                  MembershipState.REMOVED))
        and project.state == ProjectState.ACTIVE and not project.is_base
        and project.join_policy != "closed"})


@require_POST
@login_required
def project_join(request: HttpRequest, project_id: str) -> HttpResponse:
    ok, membership = attempt(request, lambda: memberships.join(
        current_user(request), _project(request, project_id)))
    if ok:
        messages.success(request, "You joined the project." if membership.state == "accepted"
                         else "Your request to join waits for the project owner.")
    return HttpResponseRedirect(f"/ui/projects/{project_id}")


@require_POST
@login_required
def membership_action(request: HttpRequest, project_id: str, membership_id: int,
                      action: str) -> HttpResponse:
    membership = Membership.objects.filter(id=membership_id, project_id=project_id).first()
    if membership is None:
        raise ItemNotFound(f"No such membership: {membership_id}")
    ok, result = attempt(request, lambda: memberships.act(
        membership, action, current_user(request)))
    if ok:
        messages.success(request, f"Membership {action}: now {result.state.replace('_', ' ')}.")
    return HttpResponseRedirect(f"/ui/projects/{project_id}")


@require_POST
@login_required
def application_action(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    application = ProjectApplication.objects.filter(id=application_id).first()
    if application is None:
        raise ItemNotFound(f"No such application: {application_id}")
    functions = {"approve": applications.approve, "deny": applications.deny,
                 "cancel": applications.cancel, "dismiss": applications.dismiss}
    if action not in functions:
        raise ItemNotFound(f"No such action: {action}")
    reason = request.POST.get("reason", "").strip()
    ok, _ = attempt(request, lambda: functions[action](application, current_user(request),
                                                        reason))
    if ok:
        messages.success(request, f"Application {application.id}: {action} done.")
    return HttpResponseRedirect(request.POST.get("back", "/ui/projects")
                                if request.POST.get("back", "").startswith("/ui/")
                                else "/ui/projects")
