"""Passwords in the UI: change on the profile page, reset by a mailed link."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods, require_POST

from astakos.api.requests import client_address
from astakos.identity import passwords
from astakos.identity.providers.policy import policy_for
from astakos.ui import mail
from astakos.ui.session import base_url, current_user, login_required, renew_token
from astakos.ui.views.common import attempt, render
from snf_common.faults import BadRequest, Fault

log = logging.getLogger(__name__)


def _new_password(request: HttpRequest) -> str:
    password, again = request.POST.get("password", ""), request.POST.get("password2", "")
    if password != again:
        raise BadRequest("The two new passwords differ.")
    return password


@require_POST
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    ok, _ = attempt(request, lambda: passwords.change(
        user, request.POST.get("original_password", ""), _new_password(request),
        address=client_address(request)))
    if ok:
        # Every token was revoked, the session's too: this session goes on with a new one.
        renew_token(request)
        messages.success(request, "Your password was changed; your API tokens were renewed.")
    return HttpResponseRedirect("/ui/profile")


@require_http_methods(["GET", "POST"])
def reset_request(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "password_reset.html", {})
    email = request.POST.get("email", "").strip()
    user = passwords.reset_candidate(email) if policy_for("local").login else None
    if user is not None:
        link = f"{base_url(request)}/ui/password/reset/{passwords.reset_code(user)}"
        mail.send_password_reset(user, link)
    # The same answer whether or not the address has an account (no enumeration).
    messages.info(request, "If an account with a password uses this address, a link to "
                           "choose a new password is on its way.")
    return HttpResponseRedirect("/ui/login")


@require_http_methods(["GET", "POST"])
def reset_confirm(request: HttpRequest, code: str) -> HttpResponse:
    try:
        passwords.user_for_reset(code)
    except Fault as fault:
        messages.error(request, fault.message)
        return HttpResponseRedirect("/ui/password/reset")
    if request.method == "GET":
        return render(request, "password_reset_confirm.html", {"code": code})
    ok, _ = attempt(request, lambda: passwords.reset(code, _new_password(request)))
    if ok:
        messages.success(request, "Your password was changed: log in with it.")
        return HttpResponseRedirect("/ui/login")
    return render(request, "password_reset_confirm.html", {"code": code}, status=400)
