"""cyclades-manage network-remove ID"""

from django.core.management.base import CommandError

from cyclades.network import networks
from cyclades.network.models import Network
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Delete a network (refused while ports or floating IPs use it); pools and the "
            "owner's quota are given back, Ganeti's copies removed.")

    def add_arguments(self, parser):
        parser.add_argument("network_id", type=int)

    def handle(self, *args, **options):
        network = Network.objects.filter(pk=options["network_id"], deleted=False).first()
        if network is None:
            raise CommandError(f"network {options['network_id']} not found")
        networks.delete_network(network)
        self.emit({"id": network.id, "name": network.name, "removed": True},
                  output=options["output"])
