"""cyclades-manage reconcile-volumes [--fix] [--backend-id N]"""

from cyclades.volume.reconcile import reconcile
from snf_common.django.commands import SnfCommand

FIELDS = ("kind", "server", "volume", "disk", "detail", "fixed")


class Command(SnfCommand):
    help = ("Compare volumes with the disks of Ganeti's instances (attached but missing, "
            "unknown disks, size drift, lost job outcomes); report, and with --fix repair.")

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true",
                            help="Apply lost job outcomes, free volumes whose disk is gone, "
                                 "adopt or remove unknown vol- disks, fix sizes.")
        parser.add_argument("--backend-id", type=int, default=None)

    def handle(self, *args, **options):
        report = reconcile(fix=options["fix"], backend_id=options["backend_id"])
        if options["output"] == "json":
            self.emit({"findings": report.rows(), "errors": report.errors}, output="json")
            return
        if report.findings:
            self.emit(report.rows(), fields=FIELDS)
        else:
            self.stdout.write("No drift found.")
        for error in report.errors:
            self.stderr.write(f"error: {error}")
