"""LDAP / Active Directory: find the entry (service bind + search), bind as it, read groups.

Attributes map onto the identity through ASTAKOS_LDAP_ATTRIBUTES; group names
(the group entries' ASTAKOS_LDAP_GROUP_NAME_ATTRIBUTE) map onto Astakos groups
through ASTAKOS_LDAP_GROUP_MAP.
"""

from __future__ import annotations

import logging

import ldap
from django.conf import settings
from ldap.filter import escape_filter_chars

from astakos.providers.base import Identity
from snf_common.faults import ServiceUnavailable

log = logging.getLogger(__name__)

MODULE = "ldap"


def _connect() -> ldap.ldapobject.LDAPObject:
    conn = ldap.initialize(settings.ASTAKOS_LDAP_URI)
    timeout = settings.ASTAKOS_LDAP_TIMEOUT_SECONDS
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, timeout)
    conn.set_option(ldap.OPT_TIMEOUT, timeout)
    conn.set_option(ldap.OPT_REFERRALS, 0)  # AD answers referrals a simple client cannot follow
    conn.protocol_version = ldap.VERSION3
    if settings.ASTAKOS_LDAP_START_TLS:
        conn.start_tls_s()
    return conn


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.hex()  # binary ids such as AD's objectGUID


def _first(entry: dict, attribute: str) -> str:
    values = entry.get(attribute) or []
    return _text(values[0]) if values and attribute else ""


def _find(conn, username: str) -> tuple[str, dict] | None:
    query = settings.ASTAKOS_LDAP_USER_FILTER.format(username=escape_filter_chars(username))
    attributes = [a for a in settings.ASTAKOS_LDAP_ATTRIBUTES.values() if a]
    results = conn.search_s(settings.ASTAKOS_LDAP_USER_BASE, ldap.SCOPE_SUBTREE, query,
                            attributes)
    entries = [(dn, attrs) for dn, attrs in results if dn]  # drop AD referral rows
    if len(entries) != 1:
        return None  # unknown, or ambiguous: never guess which person logs in
    return entries[0]


def _groups(conn, dn: str, username: str) -> list[str]:
    if not settings.ASTAKOS_LDAP_GROUP_BASE:
        return []
    query = settings.ASTAKOS_LDAP_GROUP_FILTER.format(
        dn=escape_filter_chars(dn), username=escape_filter_chars(username))
    name_attr = settings.ASTAKOS_LDAP_GROUP_NAME_ATTRIBUTE
    results = conn.search_s(settings.ASTAKOS_LDAP_GROUP_BASE, ldap.SCOPE_SUBTREE, query,
                            [name_attr])
    return sorted(_first(attrs, name_attr) for gdn, attrs in results if gdn)


def authenticate(username: str, password: str) -> Identity | None:
    """The identity of a correct username and password, None when wrong; 503 when unreachable."""
    username = username.strip()
    if not username or not password:
        # An empty password is an anonymous bind, which succeeds: never let it through.
        return None
    try:
        conn = _connect()
        try:
            conn.simple_bind_s(settings.ASTAKOS_LDAP_BIND_DN, settings.ASTAKOS_LDAP_BIND_PASSWORD)
            found = _find(conn, username)
            if found is None:
                return None
            dn, entry = found
            try:
                conn.simple_bind_s(dn, password)
            except (ldap.INVALID_CREDENTIALS, ldap.UNWILLING_TO_PERFORM):
                return None
            # Groups are read with the service account again: users may not see them.
            conn.simple_bind_s(settings.ASTAKOS_LDAP_BIND_DN, settings.ASTAKOS_LDAP_BIND_PASSWORD)
            groups = _groups(conn, dn, username)
        finally:
            conn.unbind_s()
    except (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR) as exc:
        log.warning("LDAP server %s unreachable: %s", settings.ASTAKOS_LDAP_URI, exc)
        raise ServiceUnavailable("The LDAP server is unreachable; try again later.") from None
    except ldap.LDAPError as exc:
        # A wrong service account or base DN: the operator's problem, not the user's.
        log.error("LDAP error at %s: %s", settings.ASTAKOS_LDAP_URI, exc)
        raise ServiceUnavailable("The LDAP login is misconfigured; tell the administrators.") \
            from None
    amap = settings.ASTAKOS_LDAP_ATTRIBUTES
    identifier = _first(entry, amap.get("identifier", "")) or dn
    return Identity(module=MODULE, identifier=identifier,
                    email=_first(entry, amap.get("email", "")),
                    first_name=_first(entry, amap.get("first_name", "")),
                    last_name=_first(entry, amap.get("last_name", "")),
                    display_name=_first(entry, amap.get("display_name", "")),
                    groups=groups, info={"dn": dn})
