from django.db import transaction

from astakos.projects.quotas import sync_all
from astakos.quotas.models import Resource
from astakos.quotas.resources import describe
from snf_common.django.commands import SnfCommand
from snf_common.faults import ItemNotFound


class Command(SnfCommand):
    help = "Change a resource's default limits or visibility; limits are re-synced."

    def add_arguments(self, parser):
        parser.add_argument("resource")
        parser.add_argument("--system-default", type=int, help="Base-project limit.")
        parser.add_argument("--project-default", type=int, help="Default for other projects.")
        parser.add_argument("--ui-visible", choices=("yes", "no"))
        parser.add_argument("--api-visible", choices=("yes", "no"))

    def handle(self, *args, **options):
        with transaction.atomic():
            resource = Resource.objects.filter(name=options["resource"]).first()
            if resource is None:
                raise ItemNotFound(f"No such resource: {options['resource']}")
            if options["system_default"] is not None:
                resource.default_limit = options["system_default"]
            if options["project_default"] is not None:
                resource.project_default = options["project_default"]
            for key in ("ui_visible", "api_visible"):
                if options[key]:
                    setattr(resource, key, options[key] == "yes")
            resource.save()
            sync_all()
        self.emit({"name": resource.name, **describe(resource)}, output=options["output"])
