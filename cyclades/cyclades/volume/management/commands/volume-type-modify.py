"""cyclades-manage volume-type-modify ID|NAME [--name N] [--description D] [--disk-template T]"""

from cyclades.volume import volume_types
from snf_common.django.commands import SnfCommand

from ._rows import type_row


class Command(SnfCommand):
    help = ("Rename or describe a volume type; its disk template changes only while no "
            "volume uses it.")

    def add_arguments(self, parser):
        parser.add_argument("volume_type", help="Id or name.")
        parser.add_argument("--name")
        parser.add_argument("--description")
        parser.add_argument("--disk-template")

    def handle(self, *args, **options):
        found = volume_types.type_for(options["volume_type"])
        changed = volume_types.update_type(found, name=options["name"],
                                           description=options["description"],
                                           disk_template=options["disk_template"])
        self.emit(type_row(changed), output=options["output"])
