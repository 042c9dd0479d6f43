"""Third-party logins (Google, Twitter, LinkedIn, any OAuth2 server) through social-auth.

social-core backends do the protocol (state, code exchange, user data); the
strategy below feeds them their options from ASTAKOS_OAUTH_PROVIDERS instead
of Django settings, and stops after user data: accounts are Astakos' own
(astakos.providers.accounts), so social-auth's user pipeline and models are
not used.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from social_core.exceptions import SocialAuthBaseException
from social_core.storage import BaseStorage, NonceMixin
from social_django.strategy import DjangoStrategy

from astakos.providers.base import OAUTH_LABELS, Identity, oauth_backends
from snf_common.faults import BadRequest, ItemNotFound

# Kept here too: callers that hold this module may use them.
LABELS = OAUTH_LABELS
configured_backends = oauth_backends


class AstakosStrategy(DjangoStrategy):
    """social-core's Django strategy with per-backend options from ASTAKOS_OAUTH_PROVIDERS."""

    def setting(self, name: str, default=None, backend=None):
        if backend is not None:
            options = settings.ASTAKOS_OAUTH_PROVIDERS.get(backend.name, {})
            for key in (name.lower(), name):
                if key in options:
                    return options[key]
        if name in ("REDIRECT_IS_HTTPS", "SANITIZE_REDIRECTS"):
            return default
        return super().setting(name, default=default, backend=backend)

    def authenticate(self, backend, *args, **kwargs):
        # Stop at the provider's answer: Astakos maps it to an account itself.
        response = kwargs.get("response") or {}
        details = backend.get_user_details(response)
        uid = str(backend.get_user_id(details, response) or "")
        return OAuthResult(backend.name, uid, details, response)


class OAuthResult:
    def __init__(self, backend: str, uid: str, details: dict, response: dict) -> None:
        self.backend, self.uid, self.details, self.response = backend, uid, details, response


NONCE_KEY = "astakos_oauth_nonces"


def session_storage(session) -> type[BaseStorage]:
    """social-core storage whose one-use state nonces live in the browser's session.

    The state belongs to one browser anyway, and the session is shared by all
    workers (database sessions), so no social-auth tables are needed.
    """

    class SessionNonce(NonceMixin):
        @classmethod
        def use(cls, server_url: str, timestamp, salt: str) -> bool:
            entry = [server_url, int(timestamp), salt]
            nonces = session.get(NONCE_KEY, [])
            if entry in nonces:
                return False
            session[NONCE_KEY] = (nonces + [entry])[-10:]
            return True

        @classmethod
        def consume(cls, server_url: str, timestamp, salt: str) -> bool:
            entry = [server_url, int(timestamp), salt]
            nonces = session.get(NONCE_KEY, [])
            if entry not in nonces:
                return False
            nonces.remove(entry)
            session[NONCE_KEY] = nonces
            return True

    class SessionStorage(BaseStorage):
        nonce = SessionNonce

    return SessionStorage


def backend_for(request: HttpRequest, name: str, redirect_uri: str):
    if name not in dict(configured_backends()):
        raise ItemNotFound(f"No such login provider: {name}")
    cls = import_string(settings.ASTAKOS_OAUTH_BACKENDS[name])
    strategy = AstakosStrategy(session_storage(request.session), request)
    return cls(strategy, redirect_uri)


def start(request: HttpRequest, name: str, redirect_uri: str):
    """The redirect to the provider's authorization page (state kept in the session)."""
    return backend_for(request, name, redirect_uri).start()


def complete(request: HttpRequest, name: str, redirect_uri: str) -> Identity:
    backend = backend_for(request, name, redirect_uri)
    try:
        result = backend.complete()
    except SocialAuthBaseException as exc:
        raise BadRequest(f"The {name} login failed: {exc}") from None
    if not isinstance(result, OAuthResult) or not result.uid:
        raise BadRequest(f"The {name} login returned no user id.")
    details: dict[str, Any] = result.details
    return Identity(module=f"oauth:{name}", identifier=result.uid,
                    email=details.get("email", "") or "",
                    first_name=details.get("first_name", "") or "",
                    last_name=details.get("last_name", "") or "",
                    display_name=details.get("fullname", "") or "",
                    info={"username": details.get("username", "")})
