from cyclades.backends.management.commands import _flags
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "No new servers go to the backend."

    def add_arguments(self, parser):
        parser.add_argument("backend", help="id or name")

    def handle(self, *args, **options):
        backend = _flags.set_flag(options["backend"], "drained", "yes" == "yes")
        self.emit(backend.as_row(), output=options["output"])
