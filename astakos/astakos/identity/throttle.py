"""Failed-login throttling per account name and per client address (shared by workers: in the DB)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from astakos.identity.models import LoginFailure
from snf_common.faults import TooManyRequests


def _keys(account: str, address: str) -> list[str]:
    keys = [f"account:{account.strip().lower()}"]
    if address:
        keys.append(f"addr:{address}")
    return keys


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.ASTAKOS_LOGIN_FAILURE_WINDOW_SECONDS)


def check_allowed(account: str, address: str) -> None:
    """Raise 429 when the account or the address failed too often in the window."""
    since = _window_start()
    limit = settings.ASTAKOS_LOGIN_FAILURES_MAX
    for key in _keys(account, address):
        if LoginFailure.objects.filter(key=key, at__gte=since).count() >= limit:
            raise TooManyRequests(
                "Too many failed logins; try again later.",
                headers={"Retry-After": str(settings.ASTAKOS_LOGIN_FAILURE_WINDOW_SECONDS)})


def record_failure(account: str, address: str) -> None:
    now = timezone.now()
    LoginFailure.objects.bulk_create([LoginFailure(key=k, at=now) for k in _keys(account, address)])
    # Old rows are useless; drop them now and then so the table stays small.
    LoginFailure.objects.filter(at__lt=_window_start()).delete()


def clear_account(account: str) -> None:
    LoginFailure.objects.filter(key=f"account:{account.strip().lower()}").delete()
