from astakos.identity.users import create_user, describe
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Create an active user (an administrator's sign-up)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--username", default="")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--password", default="")
        parser.add_argument("--pending", action="store_true",
                            help="Leave the account pending moderation.")

    def handle(self, *args, **options):
        user = create_user(username=options["username"] or options["email"],
                           email=options["email"], display_name=options["display_name"],
                           password=options["password"] or None,
                           state="pending_moderation" if options["pending"] else "active")
        self.emit(describe(user), output=options["output"])
