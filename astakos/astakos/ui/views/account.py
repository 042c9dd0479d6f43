"""Profile (linked logins, API token), usage and quotas, and admin moderation of sign-ups."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from astakos.identity import passwords, users
from astakos.identity.models import User, UserState
from astakos.projects.access import member_projects
from astakos.providers import accounts
from astakos.providers.base import login_providers
from astakos.quotas.models import Resource
from astakos.quotas.query import user_quotas
from astakos.ui.session import (
    admin_required,
    base_url,
    current_user,
    login_required,
    renew_token,
    session_token,
)
from astakos.ui.views.common import attempt, render


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/ui/profile" if current_user(request) else "/ui/login")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    linked = list(user.auth_providers.filter(enabled=True).order_by("id"))
    linked_modules = {p.module for p in linked}
    addable = [p for p in login_providers(purpose="add")
               if p.module not in linked_modules or p.module == "ldap"]
    return render(request, "profile.html", {
        "linked": linked, "addable": addable, "token": session_token(request),
        "has_password": passwords.has_local_password(user),
        "roles": users.roles_of(user), "auth_url": f"{base_url(request)}/identity/v3"})


@require_POST
@login_required
def token_renew(request: HttpRequest) -> HttpResponse:
    renew_token(request)
    messages.success(request, "Your API token was renewed; the old one no longer works.")
    return HttpResponseRedirect("/ui/profile")


@require_POST
@login_required
def provider_remove(request: HttpRequest, provider_id: int) -> HttpResponse:
    ok, _ = attempt(request, lambda: accounts.unlink(current_user(request), provider_id))
    if ok:
        messages.success(request, "The login method was removed.")
    return HttpResponseRedirect("/ui/profile")


def _percent(usage: int, limit: int) -> int:
    if limit <= 0:
        return 100 if usage > 0 else 0
    return min(100, round(100 * usage / limit))


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    quotas = user_quotas([user.uuid]).get(user.uuid, {})
    resources = {r.name: r for r in Resource.objects.all()}
    projects = []
    for project in member_projects(user):
        rows = []
        for name, q in sorted(quotas.get(project.id, {}).items()):
            resource = resources.get(name)
            if resource is not None and not resource.ui_visible:
                continue
            # What the member can still use: their share, bounded by what the project has left.
            effective = min(q["limit"], q["project_limit"] - (q["project_usage"] - q["usage"]))
            rows.append({"name": name, "unit": resource.unit if resource else "",
                         "usage": q["usage"], "limit": effective, "pending": q["pending"],
                         "percent": _percent(q["usage"], effective)})
        projects.append({"project": project, "rows": rows})
    return render(request, "usage.html", {"projects": projects})


@admin_required
def moderation(request: HttpRequest) -> HttpResponse:
    pending = User.objects.filter(state__in=[UserState.PENDING_MODERATION,
                                             UserState.PENDING_VERIFICATION],
                                  is_service=False).order_by("created_at")
    return render(request, "moderation.html", {"pending": pending})


@require_POST
@admin_required
def moderate(request: HttpRequest, uuid: str, action: str) -> HttpResponse:
    target = User.objects.filter(uuid=uuid).first()
    if target is None:
        messages.error(request, "No such user.")
    elif action == "accept":
        ok, _ = attempt(request, lambda: users.accept(target))
        if ok:
            messages.success(request, f"{target.username} is now active.")
    elif action == "reject":
        reason = request.POST.get("reason", "").strip()
        ok, _ = attempt(request, lambda: users.reject(target, reason))
        if ok:
            messages.success(request, f"{target.username} was rejected.")
    else:
        messages.error(request, f"Unknown action {action!r}.")
    return HttpResponseRedirect("/ui/admin/users")
