"""The local provider: a username (or email, or uuid) and a password hashed by Django."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q

from astakos.identity.models import User

MODULE = "local"

# Spend the same hashing time for unknown names, so timing does not reveal accounts.
_DUMMY_HASH = None


def find_user(name: str) -> User | None:
    name = name.strip()
    if not name:
        return None
    return User.objects.filter(
        Q(username=name.lower()) | Q(email__iexact=name) | Q(uuid=name)).first()


def authenticate(name: str, password: str) -> User | None:
    """The user whose local password matches, or None (state is checked by the caller)."""
    global _DUMMY_HASH
    user = find_user(name)
    if user is None or not user.password:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = make_password("not-a-password")
        check_password(password, _DUMMY_HASH)
        return None
    if not user.auth_providers.filter(module=MODULE, enabled=True).exists():
        return None
    return user if check_password(password, user.password) else None
