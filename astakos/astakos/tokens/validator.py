"""TOKEN_VALIDATOR of Astakos itself: tokens are checked in our own database, no HTTP."""

from __future__ import annotations

from astakos.identity.users import roles_of
from astakos.tokens.tokens import lookup
from snf_common.credentials import Credentials


def validate_local(token: str) -> Credentials | None:
    row = lookup(token)
    if row is None:
        return None
    user = row.user
    return Credentials(user_id=user.uuid, user_name=user.username, project_id=row.project_id,
                       roles=tuple(roles_of(user)),
                       expires_at=row.expires_at.isoformat() if row.expires_at else "",
                       token=token)
