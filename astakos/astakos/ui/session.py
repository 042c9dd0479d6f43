"""Who is logged in to the UI: the session holds the user's uuid and the API token shown."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from astakos.identity.models import User
from astakos.identity.users import is_admin
from astakos.tokens import tokens
from astakos.tokens.origins import is_service_ui_url, origin_of

log = logging.getLogger(__name__)
SESSION_USER = "astakos_user"
SESSION_TOKEN = "astakos_token"


def base_url(request: HttpRequest) -> str:
    return settings.ASTAKOS_BASE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")


def log_in(request: HttpRequest, user: User, method: str) -> str:
    """Start a fresh session for an active user and issue the API token it shows."""
    request.session.cycle_key()  # a new session id on every login (no fixation)
    issued = tokens.issue(user, project_id=user.uuid, methods=(method,))
    request.session[SESSION_USER] = user.uuid
    request.session[SESSION_TOKEN] = issued.token
    return issued.token


def log_out(request: HttpRequest) -> None:
    """End the session and the token it showed (a copied cookie then opens nothing)."""
    token = request.session.get(SESSION_TOKEN, "")
    row = tokens.lookup(token) if token else None
    if row is not None:
        tokens.revoke(row)
    request.session.flush()


def current_user(request: HttpRequest) -> User | None:
    if not hasattr(request, "_astakos_user"):
        user = None
        uuid = request.session.get(SESSION_USER)
        if uuid:
            user = User.objects.filter(uuid=uuid).first()
            if user is None or not user.is_active:
                # Deactivated since login: the session ends with the account.
                request.session.flush()
                user = None
        request._astakos_user = user
    return request._astakos_user


def session_token(request: HttpRequest) -> str:
    """The session's API token while it is live; a fresh one when it is not."""
    user = current_user(request)
    token = request.session.get(SESSION_TOKEN, "")
    row = tokens.lookup(token) if token else None
    if user is not None and (row is None or row.user_id != user.id):
        token = tokens.issue(user, project_id=user.uuid, methods=("password",)).token
        request.session[SESSION_TOKEN] = token
    return token


def renew_token(request: HttpRequest) -> str:
    """Revoke the shown token and show a new one."""
    old = tokens.lookup(request.session.get(SESSION_TOKEN, ""))
    if old is not None:
        tokens.revoke(old)
    user = current_user(request)
    token = tokens.issue(user, project_id=user.uuid, methods=("password",)).token
    request.session[SESSION_TOKEN] = token
    return token


def login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if current_user(request) is None:
            return HttpResponseRedirect("/ui/login?" + urlencode({"next": request.path}))
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: Callable) -> Callable:
    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_admin(current_user(request)):
            from snf_common.faults import Forbidden

            raise Forbidden("Administrator role required.")
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(value: str) -> str:
    """Where a login may send the user (no open redirects): a local path under /ui/, or
    a page of a registered service's declared web UI (the Cyclades dashboard)."""
    if value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    if is_service_ui_url(value):
        return value
    return "/ui/profile"


def redirect_next(request: HttpRequest, value: str) -> HttpResponse:
    """Redirect a logged-in user to `next`. A service's page (the Cyclades dashboard) gets
    the session's API token in the URL fragment: browsers never send a fragment to any
    server, so it reaches no access log or proxy, and that page moves it to its own
    storage at once. Only registered services' web UIs qualify (safe_next)."""
    target = safe_next(value)
    if target.startswith("/"):
        return HttpResponseRedirect(target)
    token = session_token(request)
    parts = urlsplit(target)
    log.info("login hand-off to %s for user %s", origin_of(target),
             request.session.get(SESSION_USER, "-"))
    return HttpResponseRedirect(urlunsplit(parts._replace(fragment=urlencode({"token": token}))))
