"""Who may do what: the funnel every API request goes through."""

from __future__ import annotations

from pithos.objects import sharing
from pithos.objects.models import READ, WRITE
from snf_common.credentials import Credentials
from snf_common.faults import Forbidden


def is_owner(creds: Credentials, account: str) -> bool:
    return creds.user_id == account


def require_owner(creds: Credentials, account: str) -> None:
    if not is_owner(creds, account):
        raise Forbidden("Only the account owner may do this.")


def object_access(creds: Credentials, path: str, *, write: bool) -> int:
    """WRITE/READ the caller has on an object path; 403 when not enough."""
    account = path.split("/", 1)[0]
    if is_owner(creds, account):
        return WRITE
    level = sharing.allowed_access(path, creds.user_id)
    if level is None or (write and level != WRITE):
        raise Forbidden("Not allowed.")
    return level


def require_read(creds: Credentials, path: str) -> int:
    return object_access(creds, path, write=False)


def require_write(creds: Credentials, path: str) -> int:
    return object_access(creds, path, write=True)


__all__ = ["READ", "WRITE", "is_owner", "require_owner", "require_read", "require_write"]
