"""Local passwords: strength rules, change (with the original), reset by a mailed signed code.

A changed or reset password revokes every token of the user: whoever held the
old password may have taken tokens with it. A reset code is signed, expires
after ASTAKOS_PASSWORD_RESET_MAX_AGE_SECONDS and carries a fingerprint of the
current password hash, so it works once: after the reset the hash differs.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core import signing
from django.core.exceptions import ValidationError

from astakos.identity import throttle
from astakos.identity.models import User
from astakos.identity.users import set_password
from snf_common.faults import BadRequest, Unauthorized

log = logging.getLogger(__name__)

RESET_SALT = "astakos.identity.password-reset"


def _validators() -> list:
    return [password_validation.MinimumLengthValidator(settings.ASTAKOS_PASSWORD_MIN_LENGTH),
            password_validation.UserAttributeSimilarityValidator(
                user_attributes=("username", "email", "display_name")),
            password_validation.CommonPasswordValidator(),
            password_validation.NumericPasswordValidator()]


def check_strength(password: object, user: User | None = None) -> str:
    """The password if it is acceptable; BadRequest saying why otherwise."""
    if not isinstance(password, str) or not password:
        raise BadRequest("The new password must be a non-empty string.")
    try:
        password_validation.validate_password(password, user, password_validators=_validators())
    except ValidationError as exc:
        raise BadRequest(" ".join(exc.messages)) from None
    return password


def has_local_password(user: User) -> bool:
    return bool(user.password) and user.auth_providers.filter(module="local",
                                                              enabled=True).exists()


def _revoke_tokens(user: User) -> int:
    from astakos.tokens.tokens import revoke_all

    return revoke_all(user)


def change(user: User, original: object, new: object, *, address: str = "") -> None:
    """Set a new password after checking the current one (throttled like logins).

    Wrong original: 401, a weak new password: 400; either way nothing changes.
    """
    if not isinstance(original, str):
        raise BadRequest("The original password is required.")
    throttle.check_allowed(user.username, address)
    if not has_local_password(user) or not check_password(original, user.password):
        throttle.record_failure(user.username, address)
        log.info("password change of user %s refused: wrong original password", user.uuid)
        raise Unauthorized("The original password is wrong.")
    check_strength(new, user)
    _apply(user, new)
    log.info("user %s changed their password", user.uuid)


def _apply(user: User, new: str) -> None:
    from django.db import transaction

    with transaction.atomic():
        set_password(user, new)
        _revoke_tokens(user)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.uuid}:{user.password}".encode()).hexdigest()[:20]


def reset_code(user: User) -> str:
    return signing.TimestampSigner(salt=RESET_SALT).sign(f"{user.uuid}:{_fingerprint(user)}")


def user_for_reset(code: str) -> User:
    """The active user a live, unused reset code was made for; BadRequest otherwise."""
    try:
        value = signing.TimestampSigner(salt=RESET_SALT).unsign(
            code, max_age=settings.ASTAKOS_PASSWORD_RESET_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise BadRequest("This password reset link has expired.") from None
    except signing.BadSignature:
        raise BadRequest("This password reset link is not valid.") from None
    uuid, _, fingerprint = value.partition(":")
    user = User.objects.filter(uuid=uuid).first()
    if user is None or not user.is_active or fingerprint != _fingerprint(user):
        raise BadRequest("This password reset link is not valid or was used already.")
    return user


def reset(code: str, new: object) -> User:
    """Set the password a reset code allows; every token of the user is revoked."""
    user = user_for_reset(code)
    check_strength(new, user)
    _apply(user, new)
    log.info("user %s reset their password", user.uuid)
    return user


def reset_candidate(email: str) -> User | None:
    """The active account with a local password that a reset request for `email` is for."""
    email = email.strip()
    if not email:
        return None
    user = User.objects.filter(email__iexact=email, is_service=False).first()
    if user is None or not user.is_active or not has_local_password(user):
        return None
    return user
