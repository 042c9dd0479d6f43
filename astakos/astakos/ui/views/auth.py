"""Log in (every enabled provider), log out, sign up, verify email.

Provider libraries (python-ldap, pysaml2, social-auth) are imported by the views
that use them: importing pysaml2 alone costs about a CPU-second, which every
astakos-manage command and worker start would otherwise pay.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from astakos.api.requests import client_address
from astakos.identity import throttle, users
from astakos.identity.models import User, UserState
from astakos.identity.providers.policy import policy_for
from astakos.providers import accounts
from astakos.providers.base import Identity, ldap_configured, login_providers
from astakos.tokens import login as token_login
from astakos.ui import mail
from astakos.ui.session import (
    base_url,
    current_user,
    log_in,
    log_out,
    redirect_next,
    safe_next,
)
from astakos.ui.views.common import attempt, render
from snf_common.faults import BadRequest, Fault, Forbidden, TooManyRequests, Unauthorized

log = logging.getLogger(__name__)

RELAY_SALT = "astakos.ui.relay"
RELAY_MAX_AGE = 600
MIN_PASSWORD = 8


def _login_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    return render(request, "login.html", {
        "providers": login_providers(),
        "next": safe_next(request.GET.get("next") or request.POST.get("next", "")),
        "signup_open": policy_for("local").create}, status=status)


def _state_message(user: User) -> str:
    if user.state == UserState.PENDING_VERIFICATION:
        return "Your account waits for email verification: open the link we mailed you."
    if user.state == UserState.PENDING_MODERATION:
        return "Your account waits for an administrator's approval."
    return f"Your account is {user.state.replace('_', ' ')}."


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if current_user(request) is not None:
            return redirect_next(request, request.GET.get("next", ""))
        return _login_page(request)
    name = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    if not policy_for("local").login:
        messages.error(request, "Password login is disabled.")
        return _login_page(request, status=403)
    try:
        user = token_login.password_user(name, password, address=client_address(request))
    except TooManyRequests as fault:
        messages.error(request, fault.message)
        response = _login_page(request, status=429)
        response["Retry-After"] = fault.headers.get("Retry-After", "")
        return response
    except Unauthorized as fault:
        text = fault.message if "account is" in fault.message else \
            "Wrong username or password."
        messages.error(request, text)
        return _login_page(request, status=401)
    log_in(request, user, "password")
    return redirect_next(request, request.POST.get("next", ""))


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Where the dashboard sends a user who logged out there: ending this session
        # too is a choice, made with this page's CSRF-protected form.
        if current_user(request) is None:
            return HttpResponseRedirect("/ui/login")
        return render(request, "logout.html")
    log_out(request)
    messages.info(request, "You are logged out.")
    return HttpResponseRedirect("/ui/login")


def finish(request: HttpRequest, identity: Identity, intent: str, next_url: str = "",
           *, groups_map: dict[str, str] | None = None) -> HttpResponse:
    """The end of every provider login: link to the current account, log in, or sign up."""
    if intent == "add":
        user = current_user(request)
        if user is None:
            messages.error(request, "Log in first, then add a login method.")
            return HttpResponseRedirect("/ui/login")
        ok, _ = attempt(request, lambda: accounts.link(user, identity))
        if ok:
            messages.success(request, f"Added the {identity.module} login to your account.")
        return HttpResponseRedirect("/ui/profile")
    ok, result = attempt(request, lambda: accounts.login_or_signup(identity))
    if not ok:
        return HttpResponseRedirect("/ui/login")
    user, created = result
    if groups_map:
        accounts.mirror_groups(user, identity.groups, groups_map)
    if created and user.state == UserState.PENDING_VERIFICATION and user.email:
        mail.send_verification(user, base_url(request))
    if not user.is_active:
        messages.info(request, _state_message(user))
        return HttpResponseRedirect("/ui/login")
    log_in(request, user, identity.module.split(":", 1)[0])
    if created:
        messages.success(request, "Welcome: your account was created.")
    return redirect_next(request, next_url)


@require_POST
def ldap_login(request: HttpRequest) -> HttpResponse:
    from astakos.providers import ldap

    if not ldap_configured():
        raise Forbidden("LDAP login is not configured.")
    name = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    address = client_address(request)
    try:
        throttle.check_allowed(name, address)
        identity = ldap.authenticate(name, password)
    except TooManyRequests as fault:
        messages.error(request, fault.message)
        return _login_page(request, status=429)
    except Fault as fault:
        messages.error(request, fault.message)
        return _login_page(request, status=fault.status)
    if identity is None:
        throttle.record_failure(name, address)
        messages.error(request, "Wrong LDAP username or password.")
        target = "/ui/profile" if request.POST.get("intent") == "add" else None
        return HttpResponseRedirect(target) if target else _login_page(request, status=401)
    throttle.clear_account(name)
    return finish(request, identity, request.POST.get("intent", "login"),
                  request.POST.get("next", ""), groups_map=settings.ASTAKOS_LDAP_GROUP_MAP)


def _intent(request: HttpRequest) -> str:
    intent = request.GET.get("intent", "login")
    if intent == "add" and current_user(request) is None:
        raise Unauthorized("Log in first, then add a login method.")
    return "add" if intent == "add" else "login"


def saml_login(request: HttpRequest) -> HttpResponse:
    from astakos.providers import saml

    intent = _intent(request)
    user = current_user(request)
    base = base_url(request)
    # The IdP posts back cross-site, where SameSite cookies do not follow: the
    # request id and intent travel in a signed, short-lived RelayState instead.
    relay_payload = {"intent": intent, "user": user.uuid if (user and intent == "add") else "",
                     "next": safe_next(request.GET.get("next", ""))}
    relay_payload["rid"] = saml.new_request_id()
    relay = signing.dumps(relay_payload, salt=RELAY_SALT, compress=True)
    return HttpResponseRedirect(saml.start(base, relay, relay_payload["rid"]))


@csrf_exempt  # the IdP posts here; the signed response and RelayState are the protection
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    from astakos.providers import saml

    try:
        relay = signing.loads(request.POST.get("RelayState", ""), salt=RELAY_SALT,
                              max_age=RELAY_MAX_AGE)
    except signing.BadSignature:
        raise BadRequest("The SAML RelayState is missing, forged or expired.") from None
    identity = saml.complete(base_url(request), request.POST.get("SAMLResponse", ""),
                             {relay["rid"]: relay.get("next", "/ui/profile")})
    if relay.get("intent") == "add":
        user = User.objects.filter(uuid=relay.get("user", "")).first()
        if user is None or not user.is_active:
            raise Forbidden("The account to add this login to is not active.")
        if current_user(request) is None or current_user(request).id != user.id:
            log_in(request, user, "saml")
    return finish(request, identity, relay.get("intent", "login"), relay.get("next", ""))


def saml_metadata(request: HttpRequest) -> HttpResponse:
    from astakos.providers import saml

    return HttpResponse(saml.metadata_xml(base_url(request)), content_type="application/xml")


def _oauth_redirect_uri(request: HttpRequest, name: str) -> str:
    return f"{base_url(request)}/ui/login/oauth/{name}/complete"


def oauth_login(request: HttpRequest, name: str) -> HttpResponse:
    from astakos.providers import oauth

    intent = _intent(request)
    request.session["astakos_oauth"] = {"name": name, "intent": intent,
                                        "next": safe_next(request.GET.get("next", ""))}
    return oauth.start(request, name, _oauth_redirect_uri(request, name))


@require_http_methods(["GET", "POST"])
@csrf_exempt  # providers may POST back (form_post); the OAuth state parameter protects it
def oauth_complete(request: HttpRequest, name: str) -> HttpResponse:
    from astakos.providers import oauth

    pending = request.session.pop("astakos_oauth", None) or {}
    if pending.get("name") != name:
        messages.error(request, "This login was not started here, or it expired.")
        return HttpResponseRedirect("/ui/login")
    ok, identity = attempt(request, lambda: oauth.complete(
        request, name, _oauth_redirect_uri(request, name)))
    if not ok:
        return HttpResponseRedirect("/ui/profile" if pending["intent"] == "add" else "/ui/login")
    return finish(request, identity, pending["intent"], pending.get("next", ""))


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    policy = policy_for("local")
    if not policy.create:
        raise Forbidden("Sign-up with a password is disabled; use another login method.")
    if request.method == "GET":
        return render(request, "signup.html", {"form": {}, "providers": login_providers()})
    form = {k: request.POST.get(k, "").strip() for k in ("email", "display_name")}
    password, again = request.POST.get("password", ""), request.POST.get("password2", "")
    errors = []
    try:
        validate_email(form["email"])
    except ValidationError:
        errors.append("Enter a valid email address.")
    if len(password) < MIN_PASSWORD:
        errors.append(f"The password needs at least {MIN_PASSWORD} characters.")
    if password != again:
        errors.append("The two passwords differ.")
    if not errors:
        ok, user = attempt(request, lambda: users.signup(
            email=form["email"].lower(), password=password, display_name=form["display_name"]))
        if ok:
            if user.state == UserState.PENDING_VERIFICATION:
                mail.send_verification(user, base_url(request))
                messages.success(request, f"Almost done: we sent a verification link to "
                                          f"{user.email}.")
            elif user.state == UserState.PENDING_MODERATION:
                messages.success(request, "Your account waits for an administrator's approval.")
            else:
                messages.success(request, "Your account is ready: log in.")
            return HttpResponseRedirect("/ui/login")
    for error in errors:
        messages.error(request, error)
    return render(request, "signup.html", {"form": form, "providers": login_providers()},
                  status=400)


def verify_view(request: HttpRequest, code: str) -> HttpResponse:
    try:
        uuid = mail.verified_uuid(code)
    except signing.SignatureExpired:
        messages.error(request, "This verification link has expired.")
        return HttpResponseRedirect("/ui/login")
    except signing.BadSignature:
        messages.error(request, "This verification link is not valid.")
        return HttpResponseRedirect("/ui/login")
    user = User.objects.filter(uuid=uuid).first()
    if user is None:
        messages.error(request, "This verification link is not valid.")
    elif user.state != UserState.PENDING_VERIFICATION:
        messages.info(request, "Your email address is already verified.")
    else:
        users.verify_email(user)
        if user.is_active:
            messages.success(request, "Your email address is verified: log in.")
        else:
            messages.success(request, "Your email address is verified. " + _state_message(user))
    return HttpResponseRedirect("/ui/login")
