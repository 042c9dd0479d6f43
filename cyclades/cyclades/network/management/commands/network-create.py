"""cyclades-manage network-create --name N [--public] [--flavor F] [--subnet CIDR] ..."""

from django.core.management.base import CommandError

from cyclades.api.network_v2 import formats
from cyclades.network import networks, subnets
from cyclades.network.models import FLAVORS
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Create a network (public ones with a subnet and a floating IP pool)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--flavor", choices=FLAVORS, default=None)
        parser.add_argument("--public", action="store_true", help="router:external.")
        parser.add_argument("--floating-ip-pool", action="store_true",
                            help="Users allocate floating IPs from it.")
        parser.add_argument("--shared", action="store_true")
        parser.add_argument("--owner", default="", help="User uuid for a private network.")
        parser.add_argument("--mode", default=None)
        parser.add_argument("--link", default=None)
        parser.add_argument("--mac-prefix", default=None)
        parser.add_argument("--tags", default=None, help="Comma-separated Ganeti tags.")
        parser.add_argument("--subnet", default=None, help="IPv4 CIDR.")
        parser.add_argument("--gateway", default=None, help="'none' for no gateway.")
        parser.add_argument("--allocation-pool", action="append", default=[],
                            help="start,end (repeatable).")
        parser.add_argument("--dns", action="append", default=[])
        parser.add_argument("--subnet6", default=None, help="IPv6 /64 (SLAAC).")

    def handle(self, *args, **options):
        if options["floating_ip_pool"] and not options["public"]:
            raise CommandError("--floating-ip-pool needs --public")
        from snf_common.credentials import Credentials

        owner = options["owner"]
        credentials = Credentials(user_id=owner, user_name=owner, project_id=owner,
                                  roles=("admin",), token="") if owner else None
        tags = [t for t in (options["tags"] or "").split(",") if t] if options["tags"] \
            else None
        pools = []
        for spec in options["allocation_pool"]:
            start, _, end = spec.partition(",")
            pools.append({"start": start, "end": end})
        network = networks.create_network(
            credentials, name=options["name"], flavor=options["flavor"],
            public=options["public"], shared=options["shared"],
            floating_ip_pool=options["floating_ip_pool"], mode=options["mode"],
            link=options["link"], mac_prefix=options["mac_prefix"], tags=tags, admin=True)
        try:
            if options["subnet"]:
                extra = {}
                if options["gateway"] is not None:
                    extra["gateway_ip"] = None if options["gateway"] == "none" \
                        else options["gateway"]
                subnets.create_subnet(None, network, cidr=options["subnet"],
                                      allocation_pools=pools or None,
                                      dns_nameservers=options["dns"] or None, **extra)
            if options["subnet6"]:
                subnets.create_subnet(None, network, cidr=options["subnet6"], ip_version=6)
        except Exception:
            networks.delete_network(network)     # nothing half-created
            raise
        network.refresh_from_db()
        row = formats.networks([network])[0]
        row.update(mode=network.mode, link=network.link, mac_prefix=network.mac_prefix)
        self.emit(row, output=options["output"])
