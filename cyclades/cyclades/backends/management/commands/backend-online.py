from cyclades.backends.management.commands import _flags
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "The backend is reachable again."

    def add_arguments(self, parser):
        parser.add_argument("backend", help="id or name")

    def handle(self, *args, **options):
        backend = _flags.set_flag(options["backend"], "offline", "no" == "yes")
        self.emit(backend.as_row(), output=options["output"])
