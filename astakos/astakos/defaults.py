"""Every ASTAKOS_* setting with its type, default and one line of documentation."""

from snf_common.conf.spec import Setting

APPS: list[str] = [
    "astakos.identity",
    "astakos.tokens",
    "astakos.quotas",
    "astakos.projects",
]

FAULT_FORMATS = [("/identity/", "keystone")]

SETTINGS = [
    Setting("TOKEN_VALIDATOR", str, "astakos.tokens.validator.validate_local",
            "How Astakos checks X-Auth-Token: locally, against its own database (no HTTP)."),
    Setting("ASTAKOS_TOKEN_TTL_SECONDS", int, 24 * 3600, "Lifetime of an issued user token."),
    Setting("ASTAKOS_SERVICE_TOKEN_TTL_SECONDS", int, 0,
            "Lifetime of component (service) tokens; 0 means they never expire."),
    Setting("ASTAKOS_LOGIN_FAILURES_MAX", int, 10,
            "Failed logins allowed per account and per client address within the window."),
    Setting("ASTAKOS_LOGIN_FAILURE_WINDOW_SECONDS", int, 300,
            "The window over which failed logins are counted (then 429)."),
    Setting("ASTAKOS_MODERATION_ENABLED", bool, True,
            "New sign-ups wait for an administrator unless a policy pre-accepts them."),
    Setting("ASTAKOS_EMAIL_VERIFICATION_REQUIRED", bool, True,
            "New sign-ups must verify their email address first."),
    Setting("ASTAKOS_RE_USER_EMAIL_PATTERNS", list, [],
            "Regular expressions; a sign-up whose email matches one skips moderation."),
    Setting("ASTAKOS_IM_MODULES", list, ["local"],
            "Enabled authentication provider modules (local; ldap, saml, oauth later)."),
    Setting("ASTAKOS_AUTH_PROVIDER_POLICIES", dict, {},
            "Per-module policy overrides, e.g. {'local': {'automoderate': True}}."),
    Setting("ASTAKOS_UI_URL", str, "",
            "Public URL of the Astakos web UI (SNF:uiURL in the catalog); '' = BASE_URL/ui."),
    Setting("ASTAKOS_PROJECT_ADMINS", list, [],
            "User uuids that may approve project applications (besides admin users)."),
    Setting("ASTAKOS_PENDING_APPLICATIONS_LIMIT", int, 2,
            "Default limit of astakos.pending_app (pending project applications per user)."),
]
