"""Map provider identities onto accounts: log in, sign up, link (add) and unlink (remove)."""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from astakos.identity.models import AuthProvider, Group, User
from astakos.identity.providers.policy import policy_for
from astakos.identity.users import create_user, signup_state
from astakos.providers.base import Identity
from snf_common.faults import BadRequest, Conflict, Forbidden, ItemNotFound

log = logging.getLogger(__name__)


def find_linked(identity: Identity) -> User | None:
    link = AuthProvider.objects.select_related("user").filter(
        module=identity.module, identifier=identity.identifier, enabled=True).first()
    return link.user if link else None


def _username_for(identity: Identity) -> str:
    if identity.email:
        return identity.email.lower()
    slug = re.sub(r"[^a-z0-9@._+-]", "-", identity.identifier.lower())[:100]
    return f"{identity.module.replace(':', '-')}-{slug}"


def login_or_signup(identity: Identity) -> tuple[User, bool]:
    """(user, created): the linked account, or a new one when the policy lets the module create.

    The returned user may still be pending verification or moderation; the
    caller decides what an inactive account may do.
    """
    policy = policy_for(identity.module)
    if not policy.login:
        raise Forbidden(f"Logging in through {identity.module} is disabled.")
    user = find_linked(identity)
    if user is not None:
        _refresh_info(user, identity)
        return user, False
    if not policy.create:
        raise Forbidden(f"No account is linked to this {identity.module} login, and sign-up "
                        "through it is disabled.")
    state, accepted = signup_state(identity.email, identity.module)
    with transaction.atomic():
        try:
            user = create_user(username=_username_for(identity), email=identity.email or None,
                               display_name=identity.name, state=state, accepted_policy=accepted)
        except Conflict:
            raise Conflict("An account with this email address exists already: log in to it "
                           f"and add {identity.module} as a login method from your "
                           "profile.") from None
        if identity.email and state != "pending_verification":
            # The provider vouched for the address (autoverify policy).
            user.email_verified = True
            user.verified_at = user.verified_at or timezone.now()
            user.save(update_fields=["email_verified", "verified_at"])
        _create_link(user, identity)
    log.info("user %s signed up through %s (state %s)", user.uuid, identity.module, state)
    return user, True


def _create_link(user: User, identity: Identity) -> AuthProvider:
    try:
        with transaction.atomic():
            return AuthProvider.objects.create(user=user, module=identity.module,
                                               identifier=identity.identifier,
                                               info=_info(identity))
    except IntegrityError:
        raise Conflict(f"This {identity.module} login belongs to another account.") from None


def _info(identity: Identity) -> dict:
    return {"email": identity.email, "name": identity.name, "groups": identity.groups,
            **identity.info}


def _refresh_info(user: User, identity: Identity) -> None:
    AuthProvider.objects.filter(user=user, module=identity.module,
                                identifier=identity.identifier).update(info=_info(identity))


def link(user: User, identity: Identity) -> AuthProvider:
    """Add a login method to an existing account (the 'add' policy and the module limit)."""
    policy = policy_for(identity.module)
    if not policy.add:
        raise Forbidden(f"Adding {identity.module} logins is disabled.")
    existing = AuthProvider.objects.filter(module=identity.module,
                                           identifier=identity.identifier).first()
    if existing is not None:
        if existing.user_id == user.id:
            return existing
        raise Conflict(f"This {identity.module} login belongs to another account.")
    if AuthProvider.objects.filter(user=user, module=identity.module).count() >= policy.limit:
        raise Conflict(f"The account already has {policy.limit} {identity.module} login(s).")
    row = _create_link(user, identity)
    log.info("user %s linked %s login %s", user.uuid, identity.module, row.id)
    return row


def unlink(user: User, provider_id: int) -> None:
    """Remove a login method; the last one stays (an account must remain reachable)."""
    row = AuthProvider.objects.filter(user=user, id=provider_id).first()
    if row is None:
        raise ItemNotFound(f"No such login method: {provider_id}")
    if not policy_for(row.module).remove:
        raise Forbidden(f"Removing {row.module} logins is disabled.")
    with transaction.atomic():
        if AuthProvider.objects.filter(user=user, enabled=True).exclude(id=row.id).count() == 0:
            raise BadRequest("This is the account's only login method.")
        if row.module == "local":
            user.password = ""
            user.save(update_fields=["password", "updated_at"])
        row.delete()
    log.info("user %s removed %s login %s", user.uuid, row.module, provider_id)


def mirror_groups(user: User, provider_groups: list[str], group_map: dict[str, str]) -> None:
    """Give the user exactly the mapped Astakos groups that the provider's groups say.

    Only groups named in the map are managed; others (set by admins) stay.
    """
    wanted = {group_map[g] for g in provider_groups if g in group_map}
    managed = set(group_map.values())
    for name in wanted:
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    stale = managed - wanted
    if stale:
        user.groups.remove(*Group.objects.filter(name__in=stale))
