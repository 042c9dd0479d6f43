"""What every provider returns, and which providers the login page offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from astakos.identity.providers.policy import enabled_modules, policy_for


@dataclass
class Identity:
    """A person as an outside provider knows them."""

    module: str                  # local, ldap, saml, oauth:<backend>
    identifier: str              # stable id at the provider (uid, eppn, OAuth subject)
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    groups: list[str] = field(default_factory=list)   # provider group names (LDAP)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return self.display_name or full or self.email or self.identifier


@dataclass(frozen=True)
class ProviderEntry:
    module: str
    label: str
    kind: str          # "form" (username + password here) or "redirect" (to the provider)


def ldap_configured() -> bool:
    return bool(settings.ASTAKOS_LDAP_URI)


def saml_configured() -> bool:
    return bool(settings.ASTAKOS_SAML_IDP_METADATA)


OAUTH_LABELS = {"google-oauth2": "Google", "twitter": "Twitter", "linkedin-oauth2": "LinkedIn",
                "generic-oauth2": "OAuth2"}


def oauth_backends() -> list[tuple[str, str]]:
    """(backend name, label) of every OAuth backend with a class and credentials.

    Read from settings only: social-auth itself is imported when a login uses it.
    """
    result = []
    for name, options in settings.ASTAKOS_OAUTH_PROVIDERS.items():
        if name in settings.ASTAKOS_OAUTH_BACKENDS and options.get("key"):
            result.append((name, options.get("label") or OAUTH_LABELS.get(name, name)))
    return result


def login_providers(*, purpose: str = "login") -> list[ProviderEntry]:
    """The providers a page offers, in a fixed order; purpose 'add' lists linkable ones."""
    modules = enabled_modules()
    result = []

    def allowed(module: str) -> bool:
        policy = policy_for(module)
        return policy.add if purpose == "add" else policy.login

    if "local" in modules and allowed("local"):
        result.append(ProviderEntry("local", "Email and password", "form"))
    if "ldap" in modules and ldap_configured() and allowed("ldap"):
        result.append(ProviderEntry("ldap", settings.ASTAKOS_LDAP_LABEL, "form"))
    if "saml" in modules and saml_configured() and allowed("saml"):
        result.append(ProviderEntry("saml", settings.ASTAKOS_SAML_LABEL, "redirect"))
    if "oauth" in modules:
        for name, label in oauth_backends():
            if allowed(f"oauth:{name}"):
                result.append(ProviderEntry(f"oauth:{name}", label, "redirect"))
    return result
