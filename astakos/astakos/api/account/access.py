"""Who may call the service parts of the Account API: component accounts, by their token."""

from __future__ import annotations

from django.http import HttpRequest

from astakos.tokens.models import Component
from snf_common.faults import Forbidden


def component_of(request: HttpRequest) -> str:
    """The calling component's name (the commissions' clientkey); 403 for anyone else."""
    creds = request.credentials
    if creds is None or not creds.is_service:
        raise Forbidden("A service token is required.")
    name = Component.objects.filter(account__uuid=creds.user_id).values_list("name", flat=True)
    name = name.first()
    if name is None:
        raise Forbidden("The token belongs to no registered component.")
    return name


def csv_param(request: HttpRequest, name: str) -> list[str] | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    return [v for v in (s.strip() for s in raw.split(",")) if v]
