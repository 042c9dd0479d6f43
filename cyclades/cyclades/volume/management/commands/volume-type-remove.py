"""cyclades-manage volume-type-remove ID|NAME"""

from cyclades.volume import volume_types
from snf_common.django.commands import SnfCommand

from ._rows import type_row


class Command(SnfCommand):
    help = "Retire a volume type (refused while volumes of it exist)."

    def add_arguments(self, parser):
        parser.add_argument("volume_type", help="Id or name.")

    def handle(self, *args, **options):
        removed = volume_types.remove_type(volume_types.type_for(options["volume_type"]))
        self.emit(type_row(removed), output=options["output"])
