"""Test-only token validator: 'tok-<user>' is a valid token for user uuid '<user>'."""

from snf_common.credentials import Credentials


def validate(token: str) -> Credentials | None:
    if not token.startswith("tok-") or len(token) <= 4:
        return None
    user = token[4:]
    return Credentials(user_id=user, user_name=user, project_id=user, roles=("member",),
                       token=token)
