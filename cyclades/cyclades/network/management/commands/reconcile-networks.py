"""cyclades-manage reconcile-networks [--fix] [--fix-orphans] [--backend-id N]"""

from cyclades.updates.reconcile.networks import reconcile
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Compare the database's backend networks with the Ganeti networks of each backend."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Repair missing/unsynced/unused.")
        parser.add_argument("--fix-orphans", action="store_true",
                            help="Remove Ganeti networks with our prefix that nothing owns.")
        parser.add_argument("--backend-id", type=int)

    def handle(self, *args, **options):
        findings = reconcile(fix=options["fix"], fix_orphans=options["fix_orphans"],
                             backend_id=options["backend_id"])
        self.emit(findings, fields=("kind", "backend", "network", "detail", "fixed"),
                  output=options["output"])
