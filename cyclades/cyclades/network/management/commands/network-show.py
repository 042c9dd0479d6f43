"""cyclades-manage network-show ID"""

from django.core.management.base import CommandError

from cyclades.network.models import BackendNetwork, Network, Port
from cyclades.network.pools import describe
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Show a network: NIC parameters, subnets and their pools, backends, ports."

    def add_arguments(self, parser):
        parser.add_argument("network_id", type=int)

    def handle(self, *args, **options):
        network = Network.objects.filter(pk=options["network_id"]).first()
        if network is None:
            raise CommandError(f"network {options['network_id']} not found")
        self.emit({
            "id": network.id, "name": network.name, "owner": network.owner or "-",
            "flavor": network.flavor, "mode": network.mode, "link": network.link,
            "mac_prefix": network.mac_prefix, "tags": network.tags, "public": network.public,
            "shared": network.shared, "floating_ip_pool": network.floating_ip_pool,
            "status": network.status, "deleted": network.deleted,
            "subnets": [{"id": s.id, "cidr": s.cidr, "gateway": s.gateway,
                         "pools": [describe(p) | {"used_values": None} for p in s.pools.all()]}
                        for s in network.subnets.filter(deleted=False)],
            "backends": [{"backend": b.backend_id, "operstate": b.operstate,
                          "jobs": b.job_ids, "log": b.log_msg}
                         for b in BackendNetwork.objects.filter(network=network)],
            "ports": [{"id": p.id, "server": p.server_id, "mac": p.mac, "status": p.status,
                       "ips": [a.address for a in p.addresses.all()]}
                      for p in Port.objects.filter(network=network)],
        }, output=options["output"])
