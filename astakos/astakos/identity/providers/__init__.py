"""Authentication providers: each module says who a login is, the policy says what it may do.

A provider module implements `authenticate(**credentials) -> User | None`. The
policy engine (`policy.py`) decides per module whether it may log in, create
accounts, be added to or removed from an account, and whether sign-ups through
it skip verification or moderation. LDAP, SAML and OAuth modules plug in here.
"""
