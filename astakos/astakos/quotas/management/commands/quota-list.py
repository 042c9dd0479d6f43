from astakos.identity.users import get_user
from astakos.quotas.query import user_quotas
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "Show a user's quotas per project (limit, usage, pending, project totals)."
    FIELDS = ("project", "resource", "limit", "usage", "pending", "project_limit",
              "project_usage", "project_pending")

    def add_arguments(self, parser):
        parser.add_argument("user", help="uuid, username or email")

    def rows(self, **options):
        user = get_user(options["user"])
        for project, resources in user_quotas([user.uuid])[user.uuid].items():
            for resource, values in resources.items():
                yield {"project": project, "resource": resource, **values}
