import argparse
import sys

from django.core.management.base import CommandError
from django.db import transaction

from astakos.identity.models import User
from astakos.identity.users import activate, add_role, create_user, set_password
from astakos.projects.base import ensure_base_project
from astakos.tokens import tokens
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Create or update an active user with this password (idempotent) and print "
            "a fresh token: {user_id, username, token, project_id}.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--username", required=True)
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument("--password", help="Visible in `ps`: prefer --password-file.")
        secret.add_argument("--password-file", metavar="FILE",
                            help="Read the password from the first line of FILE ('-' = stdin).")
        parser.add_argument("--email", default="")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--admin", action="store_true", help="Give the admin role.")

    def handle(self, *args, **options):
        if options["password_file"] is not None:
            options["password"] = read_password(options["password_file"])
        username = options["username"].strip().lower()
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_user(username=username, email=options["email"] or None,
                                   display_name=options["display_name"],
                                   password=options["password"])
            else:
                set_password(user, options["password"])
                if options["email"] and user.email != options["email"]:
                    user.email = options["email"]
                    user.save(update_fields=["email"])
                if not user.is_active:
                    activate(user)
                ensure_base_project(user)
            if options["admin"]:
                add_role(user, "admin")
            issued = tokens.issue(user, project_id=user.uuid)
        self.emit({"user_id": user.uuid, "username": user.username, "token": issued.token,
                   "project_id": user.uuid}, output=options["output"])


def read_password(name: str) -> str:
    """The first line of the file (or stdin), without its line end."""
    try:
        if name == "-":
            line = sys.stdin.readline()
        else:
            with open(name) as handle:
                line = handle.readline()
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc}") from None
    password = line.rstrip("\r\n")
    if not password:
        raise CommandError(f"no password in {name}")
    return password
