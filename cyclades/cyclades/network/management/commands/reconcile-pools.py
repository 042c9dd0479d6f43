"""cyclades-manage reconcile-pools [--fix]"""

from cyclades.updates.reconcile.pools import reconcile
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Check IP, MAC-prefix and bridge pools against what the database holds."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Free leaks, mark unmarked.")

    def handle(self, *args, **options):
        findings = reconcile(fix=options["fix"])
        self.emit(findings, fields=("kind", "pool", "value", "fixed"), output=options["output"])
