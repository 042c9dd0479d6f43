from astakos.projects.models import Project
from astakos.projects.views import membership_json, project_json
from snf_common.django.commands import SnfCommand
from snf_common.faults import ItemNotFound


class Command(SnfCommand):
    help = "Show a project, its last application and its members."

    def add_arguments(self, parser):
        parser.add_argument("project")

    def handle(self, *args, **options):
        project = Project.objects.filter(id=options["project"]).first()
        if project is None:
            raise ItemNotFound(f"No such project: {options['project']}")
        data = project_json(project)
        data["members"] = [membership_json(m) for m in project.memberships.select_related("user")]
        self.emit(data, output=options["output"])
