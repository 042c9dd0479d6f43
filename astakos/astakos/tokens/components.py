"""Components: register a service's endpoints and resources, and its service account."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from astakos.identity.models import User, UserState
from astakos.identity.users import create_user
from astakos.tokens import cache as token_cache
from astakos.tokens.catalog import forget_services
from astakos.tokens.models import Component, Service, Token
from astakos.tokens.tokens import digest, new_audit_id, service_token_for
from snf_common.faults import BadRequest

log = logging.getLogger(__name__)

SERVICE_ACCOUNT_PREFIX = "service:"


def _require(mapping: dict, key: str, kind: type, where: str) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind) or (kind is str and not value):
        raise BadRequest(f"{where}: '{key}' must be a {'non-empty ' if kind is str else ''}"
                         f"{kind.__name__}.")
    return value


def validate_definition(data: Any) -> dict:
    """Check a `service-definition` document; BadRequest names the first bad field."""
    if not isinstance(data, dict):
        raise BadRequest("The definition must be a JSON object.")
    _require(data, "component", str, "definition")
    for i, endpoint in enumerate(data.get("endpoints") or []):
        where = f"endpoints[{i}]"
        if not isinstance(endpoint, dict):
            raise BadRequest(f"{where} must be an object.")
        for key in ("name", "type", "url"):
            _require(endpoint, key, str, where)
    for i, resource in enumerate(data.get("resources") or []):
        where = f"resources[{i}]"
        if not isinstance(resource, dict):
            raise BadRequest(f"{where} must be an object.")
        _require(resource, "name", str, where)
        limit = resource.get("default_limit", 0)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise BadRequest(f"{where}: 'default_limit' must be a non-negative integer.")
    return data


def ensure_component(name: str) -> Component:
    """The component row and its service account (created once)."""
    component = Component.objects.filter(name=name).select_related("account").first()
    if component is not None:
        return component
    username = SERVICE_ACCOUNT_PREFIX + name
    account = User.objects.filter(username=username).first() or create_user(
        username=username, display_name=f"{name} service", state=UserState.ACTIVE,
        is_service=True, accepted_policy="component")
    return Component.objects.create(name=name, account=account)


def service_token(component: Component) -> str:
    """The component's token; its digest is (re)stored so it validates like any token."""
    from django.conf import settings

    token = service_token_for(component.name, component.token_generation)
    ttl = settings.ASTAKOS_SERVICE_TOKEN_TTL_SECONDS
    now = timezone.now().replace(microsecond=0)
    expires = now + datetime.timedelta(seconds=ttl) if ttl > 0 else None
    row, created = Token.objects.get_or_create(
        digest=digest(token),
        defaults={"user": component.account, "project_id": component.account.uuid,
                  "methods": "password", "audit_id": new_audit_id(), "issued_at": now,
                  "expires_at": expires})
    if not created and (row.revoked_at is not None or ttl > 0):
        row.revoked_at, row.expires_at = None, expires
        row.save(update_fields=["revoked_at", "expires_at"])
    return token


def renew_service_token(component: Component) -> str:
    """A new generation: the old token stops working."""
    with transaction.atomic():
        old = service_token_for(component.name, component.token_generation)
        Token.objects.filter(digest=digest(old)).update(revoked_at=timezone.now())
        token_cache.forget()
        component.token_generation += 1
        component.save(update_fields=["token_generation"])
        return service_token(component)


def import_definition(data: Any) -> tuple[Component, str]:
    """Register (or update) a component's endpoints and resources; idempotent."""
    from astakos.quotas.resources import register_resources

    data = validate_definition(data)
    name = data["component"]
    with transaction.atomic():
        component = ensure_component(name)
        for endpoint in data.get("endpoints") or []:
            Service.objects.update_or_create(
                name=endpoint["name"],
                defaults={"component": component, "type": endpoint["type"],
                          "version": endpoint.get("version", ""), "url": endpoint["url"],
                          "ui_url": endpoint.get("ui_url", "")})
        register_resources(name, data.get("resources") or [])
        token = service_token(component)
        forget_services()
        transaction.on_commit(forget_services)
    log.info("component %s imported (%d endpoints, %d resources)", name,
             len(data.get("endpoints") or []), len(data.get("resources") or []))
    return component, token
