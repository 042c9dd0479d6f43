"""Mails the UI sends: email verification, and telling admins about sign-ups to moderate."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection

from astakos.identity.models import User

log = logging.getLogger(__name__)

VERIFY_SALT = "astakos.ui.verify-email"


def connection():
    options = {}
    backend = settings.ASTAKOS_EMAIL_BACKEND
    if backend.endswith("filebased.EmailBackend"):
        options["file_path"] = settings.ASTAKOS_EMAIL_FILE_PATH or str(
            Path(settings.STATE_DIR) / "mail")
    elif backend.endswith("smtp.EmailBackend"):
        options.update(host=settings.ASTAKOS_EMAIL_HOST, port=settings.ASTAKOS_EMAIL_PORT)
    return get_connection(backend, **options)


def send(to: str, subject: str, body: str) -> None:
    EmailMessage(subject, body, settings.ASTAKOS_DEFAULT_FROM_EMAIL, [to],
                 connection=connection()).send()


def verification_code(user: User) -> str:
    return signing.TimestampSigner(salt=VERIFY_SALT).sign(user.uuid)


def verified_uuid(code: str) -> str:
    """The uuid a verification code was made for; BadSignature/SignatureExpired otherwise."""
    return signing.TimestampSigner(salt=VERIFY_SALT).unsign(
        code, max_age=settings.ASTAKOS_VERIFICATION_MAX_AGE_SECONDS)


def send_verification(user: User, base_url: str) -> None:
    link = f"{base_url}/ui/verify/{verification_code(user)}"
    send(user.email, "Verify your email address",
         f"Hello {user.name},\n\nopen this link to verify your email address:\n\n{link}\n\n"
         "If you did not sign up, ignore this mail.\n")
    log.info("verification mail sent to user %s", user.uuid)


def send_password_reset(user: User, link: str) -> None:
    send(user.email, "Choose a new password",
         f"Hello {user.name},\n\nopen this link to choose a new password for "
         f"{user.username}:\n\n{link}\n\nIt works once and expires in "
         f"{settings.ASTAKOS_PASSWORD_RESET_MAX_AGE_SECONDS // 60} minutes. Your API tokens "
         "will stop working. If you did not ask for this, ignore this mail.\n")
    log.info("password reset mail sent to user %s", user.uuid)
