from astakos.identity.users import get_user
from astakos.projects.access import scope_project
from astakos.tokens import tokens
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Issue a token for a user (administrators; no password needed)."

    def add_arguments(self, parser):
        parser.add_argument("user", help="uuid, username or email")
        parser.add_argument("--project", default="", help="Project id (default: base project).")
        parser.add_argument("--ttl", type=int, default=None, help="Lifetime in seconds.")

    def handle(self, *args, **options):
        user = get_user(options["user"])
        project = scope_project(user, project_id=options["project"])
        issued = tokens.issue(user, project_id=project.id, methods=("token",),
                              ttl_seconds=options["ttl"])
        self.emit({"user_id": user.uuid, "token": issued.token, "project_id": project.id,
                   "expires_at": issued.row.expires_at}, output=options["output"])
