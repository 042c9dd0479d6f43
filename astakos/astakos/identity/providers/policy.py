"""Per-module authentication policies, from defaults and ASTAKOS_AUTH_PROVIDER_POLICIES."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.conf import settings


@dataclass(frozen=True)
class ProviderPolicy:
    login: bool = True          # may be used to log in
    create: bool = True         # may create new accounts (sign-up)
    add: bool = True            # may be linked to an existing account
    remove: bool = True         # may be unlinked (if another provider remains)
    limit: int = 1              # how many of this module one account may have
    autoverify: bool = False    # sign-ups skip email verification
    automoderate: bool = False  # sign-ups skip moderation


DEFAULT_POLICIES = {
    "local": ProviderPolicy(),
    "ldap": ProviderPolicy(autoverify=True),
    "saml": ProviderPolicy(autoverify=True),
    "oauth": ProviderPolicy(autoverify=True),
}


def enabled_modules() -> list[str]:
    return list(settings.ASTAKOS_IM_MODULES)


def policy_for(module: str) -> ProviderPolicy:
    """The effective policy of a module; a disabled module may do nothing."""
    base_module = module.split(":", 1)[0]
    policy = DEFAULT_POLICIES.get(base_module, ProviderPolicy())
    overrides = settings.ASTAKOS_AUTH_PROVIDER_POLICIES.get(base_module, {})
    if overrides:
        policy = replace(policy, **overrides)
    if base_module not in enabled_modules():
        policy = replace(policy, login=False, create=False, add=False)
    return policy
