"""Account life cycle: create, sign up, verify, moderate, activate, deactivate, roles."""

from __future__ import annotations

import logging
import re

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from astakos.identity.models import AuthProvider, Group, User, UserState
from astakos.identity.providers.policy import policy_for
from snf_common.faults import BadRequest, Conflict, ItemNotFound

log = logging.getLogger(__name__)

ADMIN_ROLE = "admin"
SERVICE_ROLE = "service"
MEMBER_ROLE = "member"


def get_user(ref: str) -> User:
    """A user by uuid, username or email."""
    from astakos.identity.providers.local import find_user

    user = find_user(ref)
    if user is None:
        raise ItemNotFound(f"No such user: {ref}")
    return user


def create_user(*, username: str, email: str | None = None, display_name: str = "",
                password: str | None = None, state: str = UserState.ACTIVE,
                is_service: bool = False, accepted_policy: str = "manual") -> User:
    """Create an account (with a local provider when a password is given) and its base project."""
    username = username.strip().lower()
    if not username:
        raise BadRequest("A username is required.")
    now = timezone.now()
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=username, email=(email or None), display_name=display_name,
                password=make_password(password) if password else "", state=state,
                is_service=is_service, email_verified=state == UserState.ACTIVE,
                verified_at=now if state == UserState.ACTIVE else None,
                moderated_at=now if state == UserState.ACTIVE else None,
                accepted_policy=accepted_policy if state == UserState.ACTIVE else "")
            if password:
                AuthProvider.objects.create(user=user, module="local", identifier=username)
            if is_service:
                add_role(user, SERVICE_ROLE)
            _on_user_created(user)
    except IntegrityError:
        raise Conflict(f"A user named {username!r} or with email {email!r} exists.") from None
    log.info("user %s created (%s, state %s)", user.uuid, username, state)
    return user


def _on_user_created(user: User) -> None:
    # Every user owns a base (system) project with the default quotas.
    from astakos.projects.base import ensure_base_project

    ensure_base_project(user)


def _on_state_changed(user: User) -> None:
    # Member limits follow the account state (0 while inactive): resync its projects.
    from astakos.projects.models import Project
    from astakos.projects.quotas import sync_project

    for project in Project.objects.filter(memberships__user=user).distinct():
        sync_project(project)


def signup_state(email: str, module: str = "local") -> tuple[str, str]:
    """(initial state, accepted policy) of a new sign-up through `module`."""
    from django.conf import settings

    policy = policy_for(module)
    if settings.ASTAKOS_EMAIL_VERIFICATION_REQUIRED and not policy.autoverify:
        return UserState.PENDING_VERIFICATION, ""
    return _moderation_state(email, module)


def _moderation_state(email: str, module: str) -> tuple[str, str]:
    from django.conf import settings

    policy = policy_for(module)
    if policy.automoderate:
        return UserState.ACTIVE, f"auth_provider_{module}"
    for pattern in settings.ASTAKOS_RE_USER_EMAIL_PATTERNS:
        if re.match(pattern, email or ""):
            return UserState.ACTIVE, "email"
    if not settings.ASTAKOS_MODERATION_ENABLED:
        return UserState.ACTIVE, "auto"
    return UserState.PENDING_MODERATION, ""


def signup(*, email: str, password: str, display_name: str = "", module: str = "local") -> User:
    """A self-service sign-up; the policy decides verification and moderation."""
    policy = policy_for(module)
    if not policy.create:
        raise BadRequest(f"Sign-up through {module} is not allowed.")
    state, accepted = signup_state(email, module)
    return create_user(username=email, email=email, display_name=display_name,
                       password=password, state=state, accepted_policy=accepted)


def verify_email(user: User) -> User:
    if user.state != UserState.PENDING_VERIFICATION:
        raise Conflict(f"User {user.uuid} is not pending verification.")
    user.email_verified = True
    user.verified_at = timezone.now()
    user.state, user.accepted_policy = _moderation_state(user.email or "", "local")
    if user.state == UserState.ACTIVE:
        user.moderated_at = timezone.now()
    user.save()
    _on_state_changed(user)
    return user


def accept(user: User) -> User:
    """Moderation: accept a pending account."""
    if user.state not in (UserState.PENDING_MODERATION, UserState.PENDING_VERIFICATION,
                          UserState.REJECTED):
        raise Conflict(f"User {user.uuid} is not pending moderation.")
    user.state = UserState.ACTIVE
    user.accepted_policy = "manual"
    user.moderated_at = timezone.now()
    user.email_verified = True
    user.save()
    _on_state_changed(user)
    log.info("user %s accepted", user.uuid)
    return user


def reject(user: User, reason: str = "") -> User:
    if user.state not in (UserState.PENDING_MODERATION, UserState.PENDING_VERIFICATION):
        raise Conflict(f"User {user.uuid} is not pending moderation.")
    user.state = UserState.REJECTED
    user.rejected_reason = reason
    user.moderated_at = timezone.now()
    user.save()
    _on_state_changed(user)
    return user


def activate(user: User) -> User:
    user.state = UserState.ACTIVE
    user.deactivated_reason = ""
    user.deactivated_at = None
    if not user.moderated_at:
        user.moderated_at = timezone.now()
        user.accepted_policy = "manual"
    user.save()
    _on_state_changed(user)
    log.info("user %s activated", user.uuid)
    return user


def deactivate(user: User, reason: str = "") -> User:
    """Deactivate and revoke every token of the user."""
    from astakos.tokens.tokens import revoke_all

    with transaction.atomic():
        user.state = UserState.DEACTIVATED
        user.deactivated_reason = reason
        user.deactivated_at = timezone.now()
        user.save()
        revoke_all(user)
        _on_state_changed(user)
    log.info("user %s deactivated", user.uuid)
    return user


def set_password(user: User, password: str) -> User:
    if not password:
        raise BadRequest("The password must not be empty.")
    with transaction.atomic():
        user.password = make_password(password)
        user.save(update_fields=["password", "updated_at"])
        AuthProvider.objects.get_or_create(user=user, module="local",
                                           defaults={"identifier": user.username})
    return user


def add_role(user: User, role: str) -> None:
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)


def remove_role(user: User, role: str) -> None:
    user.groups.remove(*Group.objects.filter(name=role))


def roles_of(user: User) -> list[str]:
    """Token roles: member for everyone, plus the user's groups (admin, service, ...)."""
    names = sorted(g.name for g in user.groups.all())
    return [MEMBER_ROLE] + [n for n in names if n != MEMBER_ROLE]


def is_admin(user: User) -> bool:
    return user.groups.filter(name=ADMIN_ROLE).exists()


def describe(user: User) -> dict:
    return {"uuid": user.uuid, "username": user.username, "email": user.email or "",
            "display_name": user.display_name, "state": user.state,
            "roles": roles_of(user), "is_service": user.is_service,
            "providers": [p.module for p in user.auth_providers.filter(enabled=True)],
            "created_at": user.created_at.isoformat() if user.created_at else ""}
