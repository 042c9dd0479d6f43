"""Authentication providers beyond the local password: LDAP, SAML 2.0, OAuth (social-auth).

Each provider module turns a login at an outside system into an `Identity`
(module, identifier, attributes); `accounts.py` maps identities onto Astakos
accounts under the per-module policy of astakos.identity.providers.policy:
log in, sign up (create), link to an existing account (add), unlink (remove).
"""
