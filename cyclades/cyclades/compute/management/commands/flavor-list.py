from cyclades.compute.models import Flavor
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List flavors."
    FIELDS = ("id", "name", "cpu", "ram", "disk", "disk_template", "public", "deleted")

    def add_arguments(self, parser):
        parser.add_argument("--deleted", action="store_true", help="Include deleted flavors.")

    def rows(self, **options):
        query = Flavor.objects.all() if options["deleted"] else Flavor.objects.filter(
            deleted=False)
        return [{"id": f.public_id, "name": f.name, "cpu": f.cpu, "ram": f.ram,
                 "disk": f.disk, "disk_template": f.disk_template, "public": f.public,
                 "deleted": f.deleted} for f in query]
