from astakos.identity.users import describe, get_user
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Show one user (by uuid, username or email)."

    def add_arguments(self, parser):
        parser.add_argument("user")

    def handle(self, *args, **options):
        self.emit(describe(get_user(options["user"])), output=options["output"])
