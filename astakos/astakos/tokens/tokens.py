"""Issue, validate, renew and revoke tokens. Only a token's sha256 is ever stored."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from astakos.identity.models import User
from astakos.tokens.models import Token
from snf_common.faults import ItemNotFound, Unauthorized

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 43 characters of URL-safe base64, as the original Astakos


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token_string() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()


def new_audit_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()  # 22 chars


@dataclass(frozen=True)
class IssuedToken:
    token: str
    row: Token


def issue(user: User, *, project_id: str, methods: list[str] | tuple[str, ...] = ("password",),
          ttl_seconds: int | None = None) -> IssuedToken:
    """A fresh random token for `user`, scoped to `project_id`."""
    if not user.is_active:
        raise Unauthorized(f"The account is {user.state.replace('_', ' ')}.")
    ttl = settings.ASTAKOS_TOKEN_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    now = timezone.now().replace(microsecond=0)
    token = new_token_string()
    row = Token.objects.create(
        digest=digest(token), user=user, project_id=project_id, methods=",".join(methods),
        audit_id=new_audit_id(), issued_at=now,
        expires_at=now + datetime.timedelta(seconds=ttl) if ttl > 0 else None)
    log.info("token %s issued to user %s project %s", row.audit_id, user.uuid, project_id)
    return IssuedToken(token, row)


def lookup(token: str) -> Token | None:
    """The live token row (user joined), or None if unknown, revoked, expired or the user inactive."""
    if not token or len(token) > 512:
        return None
    row = Token.objects.select_related("user").filter(digest=digest(token)).first()
    if row is None or not is_live(row):
        return None
    return row


def is_live(row: Token) -> bool:
    if row.revoked_at is not None:
        return False
    if row.expires_at is not None and row.expires_at <= timezone.now():
        return False
    return row.user.is_active


def require(token: str) -> Token:
    row = lookup(token)
    if row is None:
        raise ItemNotFound("The token is unknown, expired or revoked.")
    return row


def renew(row: Token, *, ttl_seconds: int | None = None) -> Token:
    """Extend a live token's expiry to a full lifetime from now."""
    ttl = settings.ASTAKOS_TOKEN_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    row.expires_at = timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=ttl)
    row.save(update_fields=["expires_at"])
    _forget_cached()
    return row


def rollover(row: Token) -> IssuedToken:
    """A new token of the same user and scope with a full lifetime; `row` is revoked."""
    with transaction.atomic():
        issued = issue(row.user, project_id=row.project_id, methods=row.methods.split(","))
        revoke(row)
    return issued


def renew_user_token(user: User) -> IssuedToken:
    """Revoke every token of the user and issue one for the base project (admins' renewal)."""
    with transaction.atomic():
        revoke_all(user)
        return issue(user, project_id=user.uuid, methods=("token",))


def revoke(row: Token) -> None:
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        _forget_cached()
        log.info("token %s of user %s revoked", row.audit_id, row.user.uuid)


def revoke_all(user: User) -> int:
    with transaction.atomic():
        count = Token.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        _forget_cached()
        return count


def _forget_cached() -> None:
    # Validated tokens are cached per process for a few seconds (astakos.tokens.cache).
    from astakos.tokens import cache

    cache.forget()


def service_token_for(name: str, generation: int) -> str:
    """A component's service token: derived, so it can be printed again, stored only hashed."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"component:{name}:{generation}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
