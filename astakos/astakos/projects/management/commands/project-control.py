from django.core.management.base import CommandError

from astakos.identity.models import User
from astakos.projects import applications
from astakos.projects.models import Project, ProjectApplication
from snf_common.django.commands import SnfCommand
from snf_common.faults import ItemNotFound


class Command(SnfCommand):
    help = ("Approve or deny an application, or suspend, unsuspend, terminate or reinstate "
            "a project (as the first admin user, or --actor).")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--approve", type=int, metavar="APP_ID")
        group.add_argument("--deny", type=int, metavar="APP_ID")
        for action in ("suspend", "unsuspend", "terminate", "reinstate"):
            group.add_argument(f"--{action}", metavar="PROJECT_ID")
        parser.add_argument("--message", default="")
        parser.add_argument("--actor", help="username of the administrator acting")

    def handle(self, *args, **options):
        actor = (User.objects.filter(username=options["actor"]).first() if options["actor"]
                 else User.objects.filter(groups__name="admin").order_by("id").first())
        if actor is None:
            raise CommandError("No administrator user: create one with user-modify --admin.")
        for key, func in (("approve", applications.approve), ("deny", applications.deny)):
            if options[key] is not None:
                app = ProjectApplication.objects.filter(id=options[key]).first()
                if app is None:
                    raise ItemNotFound(f"No application {options[key]}.")
                func(app, actor, options["message"])
                self.stdout.write(f"application {app.id}: {key}d")
                return
        for action in applications.PROJECT_TRANSITIONS:
            if options[action]:
                project = Project.objects.filter(id=options[action]).first()
                if project is None:
                    raise ItemNotFound(f"No such project: {options[action]}")
                applications.control(project, action, actor, options["message"])
                self.stdout.write(f"project {project.id}: {action}")
