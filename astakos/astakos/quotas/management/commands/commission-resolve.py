from astakos.quotas.commissions import resolve_pending
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Accept or reject pending commissions by serial (any component's)."

    def add_arguments(self, parser):
        parser.add_argument("--accept", type=int, nargs="*", default=[])
        parser.add_argument("--reject", type=int, nargs="*", default=[])
        parser.add_argument("--reason", default="admin")

    def handle(self, *args, **options):
        result = resolve_pending(None, options["accept"], options["reject"], options["reason"])
        self.emit({"accepted": result.accepted, "rejected": result.rejected,
                   "not_found": result.not_found, "conflicting": result.conflicting},
                  output=options["output"])
