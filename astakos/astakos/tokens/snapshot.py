"""The hot path of token validation: one SQL query from a token to everything a check needs.

Validation is what every other service asks Astakos for, so it avoids the ORM's
per-query overhead: one join of token, user, base-project name and roles.
`astakos.tokens.cache` keeps the snapshots of live tokens for a few seconds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from astakos.identity.models import UserState
from astakos.tokens.tokens import digest

_SQL = """
SELECT t.digest, u.uuid, u.username, u.state, u.is_service, t.project_id, p.name,
       t.methods, t.audit_id, t.issued_at, t.expires_at, t.revoked_at, g.name
FROM astakos_tokens_token t
JOIN astakos_identity_user u ON u.id = t.user_id
LEFT JOIN astakos_projects_project p ON p.id = t.project_id
LEFT JOIN astakos_identity_user_groups ug ON ug.user_id = u.id
LEFT JOIN astakos_identity_group g ON g.id = ug.group_id
WHERE t.digest = %s
"""


@dataclass(frozen=True)
class TokenInfo:
    digest: str
    user_uuid: str
    username: str
    user_state: str
    is_service: bool
    project_id: str
    project_name: str
    methods: tuple[str, ...]
    audit_id: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    roles: tuple[str, ...]

    @property
    def is_live(self) -> bool:
        if self.revoked_at is not None or self.user_state != UserState.ACTIVE:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


def _dt(value) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        dt = value
    else:
        dt = parse_datetime(str(value))
    if dt is not None and timezone.is_naive(dt):
        dt = timezone.make_aware(dt, datetime.UTC)
    return dt


def fetch(token: str) -> TokenInfo | None:
    """The live token's snapshot, or None (unknown, revoked, expired, user not active)."""
    if not token or len(token) > 512:
        return None
    key = digest(token)
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [key])
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    groups = sorted({r[12] for r in rows if r[12]})
    info = TokenInfo(
        digest=first[0], user_uuid=first[1], username=first[2], user_state=first[3],
        is_service=bool(first[4]), project_id=first[5], project_name=first[6] or first[5],
        methods=tuple(first[7].split(",")), audit_id=first[8], issued_at=_dt(first[9]),
        expires_at=_dt(first[10]), revoked_at=_dt(first[11]),
        roles=tuple(["member"] + [g for g in groups if g != "member"]))
    if not info.is_live:
        return None
    return info
