from django.core.management.base import CommandError
from django.db import transaction

from astakos.identity import users
from astakos.tokens import tokens
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Change a user: activate, deactivate, accept, reject, verify, password, roles."

    def add_arguments(self, parser):
        parser.add_argument("user", help="uuid, username or email")
        parser.add_argument("--activate", action="store_true")
        parser.add_argument("--deactivate", action="store_true")
        parser.add_argument("--reason", default="")
        parser.add_argument("--accept", action="store_true", help="Moderation: accept.")
        parser.add_argument("--reject", action="store_true", help="Moderation: reject.")
        parser.add_argument("--verify", action="store_true", help="Mark the email verified.")
        parser.add_argument("--password", help="Set the local password.")
        parser.add_argument("--admin", action="store_true", help="Give the admin role.")
        parser.add_argument("--no-admin", action="store_true", help="Take the admin role.")
        parser.add_argument("--add-group", action="append", default=[])
        parser.add_argument("--remove-group", action="append", default=[])
        parser.add_argument("--display-name")
        parser.add_argument("--revoke-tokens", action="store_true",
                            help="Revoke every token of the user.")
        parser.add_argument("--renew-token", action="store_true",
                            help="Revoke every token of the user and print a new one.")

    def handle(self, *args, **options):
        if options["activate"] and options["deactivate"]:
            raise CommandError("--activate and --deactivate exclude each other.")
        with transaction.atomic():
            user = users.get_user(options["user"])
            if options["verify"]:
                users.verify_email(user)
            if options["accept"]:
                users.accept(user)
            if options["reject"]:
                users.reject(user, options["reason"])
            if options["activate"]:
                users.activate(user)
            if options["deactivate"]:
                users.deactivate(user, options["reason"])
            if options["password"] is not None:
                users.set_password(user, options["password"])
            if options["admin"]:
                users.add_role(user, users.ADMIN_ROLE)
            if options["no_admin"]:
                users.remove_role(user, users.ADMIN_ROLE)
            for group in options["add_group"]:
                users.add_role(user, group)
            for group in options["remove_group"]:
                users.remove_role(user, group)
            if options["display_name"] is not None:
                user.display_name = options["display_name"]
                user.save(update_fields=["display_name"])
            if options["revoke_tokens"]:
                tokens.revoke_all(user)
            renewed = tokens.renew_user_token(user) if options["renew_token"] else None
            self._sync(user)
        result = users.describe(user)
        if renewed is not None:
            result.update(token=renewed.token, token_expires_at=renewed.row.expires_at)
        self.emit(result, output=options["output"])

    def _sync(self, user):
        # Activation changes whether a member's share counts: recompute the holdings.
        from astakos.projects.models import Project
        from astakos.projects.quotas import sync_project

        for project in Project.objects.filter(memberships__user=user):
            sync_project(project)
