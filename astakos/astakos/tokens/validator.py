"""TOKEN_VALIDATOR of Astakos itself: tokens are checked in our own database, no HTTP."""

from __future__ import annotations

from astakos.tokens.snapshot import fetch
from snf_common.credentials import Credentials


def validate_local(token: str) -> Credentials | None:
    info = fetch(token)
    if info is None:
        return None
    return Credentials(user_id=info.user_uuid, user_name=info.username,
                       project_id=info.project_id, project_name=info.project_name,
                       roles=info.roles,
                       expires_at=info.expires_at.isoformat() if info.expires_at else "",
                       token=token)
