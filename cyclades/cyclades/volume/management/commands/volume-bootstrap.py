"""cyclades-manage volume-bootstrap: the quickstart's volume types and flavor (idempotent)."""

from cyclades.volume import bootstrap
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Create the volume types `file` and `ext_archipelago` and a 1 CPU / 128 MiB / "
            "1 GiB ext_archipelago flavor, each only if missing.")

    def add_arguments(self, parser):
        parser.add_argument("--no-flavor", action="store_true",
                            help="Only the volume types (clusters without Archipelago).")

    def handle(self, *args, **options):
        rows = bootstrap.ensure_types()
        if not options["no_flavor"]:
            rows += bootstrap.ensure_flavors()
        self.emit(rows, output=options["output"])
