"""cyclades-manage pool-show {mac_prefix,bridge,ip} [--subnet ID]"""

from django.core.management.base import CommandError

from cyclades.network.models import Pool
from cyclades.network.pools import describe, global_pool
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Show a pool: range, size, how many values are used, free and reserved."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=("mac_prefix", "bridge", "ip"))
        parser.add_argument("--subnet", type=int, help="For ip pools: the subnet id.")
        parser.add_argument("--values", action="store_true", help="List the used values.")

    def handle(self, *args, **options):
        if options["kind"] == "ip":
            if not options["subnet"]:
                raise CommandError("ip pools need --subnet")
            pools = list(Pool.objects.filter(kind="ip", subnet_id=options["subnet"]))
            if not pools:
                raise CommandError(f"subnet {options['subnet']} has no pool")
        else:
            pools = [global_pool(options["kind"], lock=False)]
        rows = []
        for pool in pools:
            row = describe(pool)
            if not options["values"]:
                row.pop("used_values")
            rows.append(row)
        self.emit(rows if len(rows) > 1 else rows[0], output=options["output"])
