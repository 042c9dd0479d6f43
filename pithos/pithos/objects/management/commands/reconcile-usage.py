"""pithos-manage reconcile-usage [--fix]: compare usage with Astakos' pithos.diskspace."""

from __future__ import annotations

from pithos import quota
from pithos.objects import tree
from pithos.objects.models import ACCOUNT, Node
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Compare each account's stored bytes with the usage Astakos records; "
            "--fix issues forced, auto-accepted commissions for the difference.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="Correct Astakos' usage.")

    def handle(self, *args, **options) -> None:
        holder = quota.get_holder()
        accounts = list(Node.objects.filter(depth=ACCOUNT).values_list("path", flat=True))
        if not hasattr(holder, "usage"):
            self.stderr.write("PITHOS_QUOTA is not astakos: nothing to reconcile.")
            return
        recorded = holder.usage(accounts) if accounts else {}
        rows = []
        for account in sorted(accounts):
            actual = tree.account_usage(account)[2]
            astakos = recorded.get(account, 0)
            row = {"account": account, "pithos": actual, "astakos": astakos,
                   "difference": actual - astakos, "fixed": False}
            if options["fix"] and actual != astakos:
                holder.client.issue_one_commission(
                    account, {(account, quota.RESOURCE): actual - astakos}, force=True,
                    auto_accept=True, name="reconcile-usage")
                row["fixed"] = True
            rows.append(row)
        self.emit(rows, fields=("account", "pithos", "astakos", "difference", "fixed"),
                  output=options["output"])
