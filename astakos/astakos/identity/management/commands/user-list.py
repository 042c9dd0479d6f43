from astakos.identity.models import User
from astakos.identity.users import describe
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List users."
    FIELDS = ("uuid", "username", "email", "display_name", "state", "roles")

    def add_arguments(self, parser):
        parser.add_argument("--state", help="Only users in this state.")
        parser.add_argument("--services", action="store_true", help="Include service accounts.")

    def rows(self, **options):
        query = User.objects.all()
        if options.get("state"):
            query = query.filter(state=options["state"])
        if not options.get("services"):
            query = query.filter(is_service=False)
        for user in query.prefetch_related("groups"):
            row = describe(user)
            row["roles"] = ",".join(row["roles"])
            yield row
