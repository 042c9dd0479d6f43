from cyclades.volume import volume_types
from snf_common.django.commands import SnfCommand

from ._rows import type_row


class Command(SnfCommand):
    help = "Create a volume type: a name users pick and its Ganeti disk template."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--disk-template", required=True,
                            help="drbd, plain, file, sharedfile, rbd, ext_<provider> "
                                 "(e.g. ext_archipelago)")
        parser.add_argument("--description", default="")

    def handle(self, *args, **options):
        created = volume_types.create_type(options["name"], options["disk_template"],
                                           options["description"])
        self.emit(type_row(created), output=options["output"])
