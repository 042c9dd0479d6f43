"""Turn login credentials (password or token) into a fresh scoped token.

Every failure path answers 401 without saying which part was wrong, and the
failed-login throttle runs before any password is checked.
"""

from __future__ import annotations

import logging

from astakos.identity import throttle
from astakos.identity.models import User
from astakos.identity.providers import local
from astakos.projects.access import scope_project
from astakos.tokens import tokens
from astakos.tokens.models import Token
from snf_common.faults import Unauthorized

log = logging.getLogger(__name__)


def password_user(name: str, password: str, *, address: str) -> User:
    """The active user these credentials belong to (throttled per account and address)."""
    throttle.check_allowed(name, address)
    user = local.authenticate(name, password)
    if user is None:
        throttle.record_failure(name, address)
        log.info("failed login for %r from %s", name[:100], address)
        raise Unauthorized("The request you have made requires authentication.")
    if not user.is_active:
        # Correct password of an inactive account: no token, and not a throttled failure.
        raise Unauthorized(f"The account is {user.state.replace('_', ' ')}.")
    throttle.clear_account(name)
    return user


def token_row(token: str) -> Token:
    row = tokens.lookup(token)
    if row is None:
        raise Unauthorized("The token is unknown, expired or revoked.")
    return row


def login(user: User, *, project_id: str = "", project_name: str = "",
          methods: tuple[str, ...] = ("password",), expires_at=None) -> tokens.IssuedToken:
    """Issue a token scoped to a project of the user (default: the base project)."""
    project = scope_project(user, project_id=project_id, project_name=project_name)
    issued = tokens.issue(user, project_id=project.id, methods=methods)
    if expires_at is not None and (issued.row.expires_at is None
                                   or expires_at < issued.row.expires_at):
        # A token obtained with a token never outlives the one it came from.
        issued.row.expires_at = expires_at
        issued.row.save(update_fields=["expires_at"])
    return issued
