"""Provider identities -> accounts under the per-module policy (login, create, add, remove)."""

from __future__ import annotations

import pytest
from astakos_factories import make_user

from astakos.identity.models import AuthProvider
from astakos.identity.users import roles_of
from astakos.providers import accounts
from astakos.providers.base import Identity, login_providers
from snf_common.faults import BadRequest, Conflict, Forbidden


@pytest.fixture
def ldap_on(settings):
    settings.ASTAKOS_IM_MODULES = ["local", "ldap"]
    settings.ASTAKOS_LDAP_URI = "ldap://127.0.0.1:9"
    settings.ASTAKOS_MODERATION_ENABLED = True


def ident(identifier="carol", email="carol@example.org", module="ldap", **kw):
    return Identity(module=module, identifier=identifier, email=email, display_name="Carol",
                    **kw)


def test_first_login_signs_up_pending_moderation_then_finds_the_same_account(db, ldap_on):
    user, created = accounts.login_or_signup(ident())
    assert created and user.state == "pending_moderation" and user.email_verified
    again, created = accounts.login_or_signup(ident())
    assert not created and again.id == user.id


def test_automoderate_policy_activates_at_once(db, ldap_on, settings):
    settings.ASTAKOS_AUTH_PROVIDER_POLICIES = {"ldap": {"automoderate": True}}
    user, _ = accounts.login_or_signup(ident())
    assert user.state == "active" and user.accepted_policy == "auth_provider_ldap"


def test_disabled_module_neither_logs_in_nor_creates(db, ldap_on, settings):
    settings.ASTAKOS_IM_MODULES = ["local"]
    with pytest.raises(Forbidden):
        accounts.login_or_signup(ident())
    settings.ASTAKOS_IM_MODULES = ["local", "ldap"]
    settings.ASTAKOS_AUTH_PROVIDER_POLICIES = {"ldap": {"create": False}}
    with pytest.raises(Forbidden):
        accounts.login_or_signup(ident())


def test_signup_with_a_taken_email_asks_to_link_instead(db, ldap_on):
    make_user("carol", email="carol@example.org")
    with pytest.raises(Conflict, match="add ldap"):
        accounts.login_or_signup(ident())


def test_link_respects_owner_limit_and_add_policy(db, ldap_on, settings):
    alice, bob = make_user("alice"), make_user("bob")
    accounts.link(alice, ident("a1"))
    assert accounts.link(alice, ident("a1")).user == alice  # idempotent
    with pytest.raises(Conflict):
        accounts.link(bob, ident("a1"))                    # someone else's login
    with pytest.raises(Conflict):
        accounts.link(alice, ident("a2"))                  # limit 1 per module
    settings.ASTAKOS_AUTH_PROVIDER_POLICIES = {"ldap": {"add": False}}
    with pytest.raises(Forbidden):
        accounts.link(bob, ident("b1"))


def test_unlink_keeps_the_last_login_method(db, ldap_on):
    alice = make_user("alice")
    local = AuthProvider.objects.get(user=alice, module="local")
    with pytest.raises(BadRequest):
        accounts.unlink(alice, local.id)
    ldap_link = accounts.link(alice, ident("a1"))
    accounts.unlink(alice, local.id)
    alice.refresh_from_db()
    assert alice.password == ""  # no password login any more
    with pytest.raises(BadRequest):
        accounts.unlink(alice, ldap_link.id)


def test_group_mirroring_manages_only_mapped_groups(db):
    alice = make_user("alice")
    from astakos.identity.users import add_role

    add_role(alice, "helpdesk")  # set by an admin, not managed by LDAP
    accounts.mirror_groups(alice, ["cloud-admins", "staff"], {"cloud-admins": "admin"})
    assert roles_of(alice) == ["member", "admin", "helpdesk"]
    accounts.mirror_groups(alice, ["staff"], {"cloud-admins": "admin"})
    assert roles_of(alice) == ["member", "helpdesk"]


def test_login_providers_follow_modules_and_configuration(db, settings):
    settings.ASTAKOS_IM_MODULES = ["local", "ldap", "saml", "oauth"]
    settings.ASTAKOS_LDAP_URI = ""
    settings.ASTAKOS_SAML_IDP_METADATA = ["/nonexistent.xml"]
    settings.ASTAKOS_OAUTH_PROVIDERS = {"twitter": {"key": "k", "secret": "s"},
                                        "unknown-backend": {"key": "k"}}
    modules = [p.module for p in login_providers()]
    assert modules == ["local", "saml", "oauth:twitter"]


def test_saml_metadata_names_the_acs(db, settings, tmp_path):
    from astakos.providers import saml

    settings.ASTAKOS_SAML_IDP_METADATA = []
    xml = saml.metadata_xml("https://cloud.example.org")
    assert 'entityID="https://cloud.example.org/ui/saml/metadata"' in xml
    assert "https://cloud.example.org/ui/saml/acs" in xml
