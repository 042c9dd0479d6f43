"""cyclades-manage reconcile-servers [--fix] [--fix-orphans] [--backend-id N]"""

from cyclades.updates.reconcile.servers import reconcile
from snf_common.django.commands import SnfCommand

FIELDS = ("kind", "backend", "server", "instance", "detail", "fixed")


class Command(SnfCommand):
    help = "Compare servers with their Ganeti instances; report, and with --fix repair."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true",
                            help="Repair unsynced, stale and finished-build servers and "
                                 "pending commissions.")
        parser.add_argument("--fix-orphans", action="store_true",
                            help="Remove instances with our prefix that have no server.")
        parser.add_argument("--backend-id", type=int, default=None)

    def handle(self, *args, **options):
        report = reconcile(fix=options["fix"], fix_orphans=options["fix_orphans"],
                           backend_id=options["backend_id"])
        if options["output"] == "json":
            self.emit({"findings": report.rows(), "errors": report.errors}, output="json")
            return
        if report.findings:
            self.emit(report.rows(), fields=FIELDS)
        else:
            self.stdout.write("No drift found.")
        for error in report.errors:
            self.stderr.write(f"error: {error}")
