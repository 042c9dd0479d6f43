"""TOKEN_VALIDATOR of Astakos itself: tokens are checked in our own database, no HTTP."""

from __future__ import annotations

from astakos.tokens import cache
from snf_common.credentials import Credentials


def validate_local(token: str) -> Credentials | None:
    """Credentials of a live token; served from the per-process cache for a few seconds."""
    entry = cache.lookup(token)
    return entry.credentials if entry is not None else None
