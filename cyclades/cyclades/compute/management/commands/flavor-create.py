from django.core.management.base import CommandError

from cyclades.compute.models import Flavor
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Create a flavor: cpu count, ram (MiB), disk (GiB), disk template."

    def add_arguments(self, parser):
        parser.add_argument("--cpu", type=int, required=True)
        parser.add_argument("--ram", type=int, required=True, help="MiB")
        parser.add_argument("--disk", type=int, required=True, help="GiB")
        parser.add_argument("--disk-template", required=True,
                            help="file, plain, drbd, ext_<provider>, ...")
        parser.add_argument("--name", default="")
        parser.add_argument("--id", dest="public_id", default="")
        parser.add_argument("--private", action="store_true")

    def handle(self, *args, **options):
        name = options["name"] or \
            f"C{options['cpu']}R{options['ram']}D{options['disk']}{options['disk_template']}"
        if Flavor.objects.filter(cpu=options["cpu"], ram=options["ram"], disk=options["disk"],
                                 disk_template=options["disk_template"],
                                 deleted=False).exists():
            raise CommandError("a live flavor with this spec exists")
        flavor = Flavor.objects.create(
            public_id=options["public_id"] or "tmp", name=name, cpu=options["cpu"],
            ram=options["ram"], disk=options["disk"], disk_template=options["disk_template"],
            public=not options["private"])
        if not options["public_id"]:
            flavor.public_id = str(flavor.id)
            flavor.save(update_fields=["public_id"])
        self.emit(row(flavor), output=options["output"])


def row(flavor: Flavor) -> dict:
    return {"id": flavor.public_id, "name": flavor.name, "cpu": flavor.cpu, "ram": flavor.ram,
            "disk": flavor.disk, "disk_template": flavor.disk_template,
            "public": flavor.public, "deleted": flavor.deleted}
