"""cyclades-manage network-modify ID [--name N] [--shared yes|no] [--admin-state-up yes|no]
[--floating-ip-pool yes|no]"""

from django.core.management.base import CommandError

from cyclades.api.network_v2 import formats
from cyclades.network import networks
from cyclades.network.models import Network
from snf_common.django.commands import SnfCommand

YES_NO = ("yes", "no")


class Command(SnfCommand):
    help = "Change a network: name, shared, admin state, floating IP pool (public ones)."

    def add_arguments(self, parser):
        parser.add_argument("network_id", type=int)
        parser.add_argument("--name")
        parser.add_argument("--shared", choices=YES_NO)
        parser.add_argument("--admin-state-up", choices=YES_NO)
        parser.add_argument("--floating-ip-pool", choices=YES_NO)

    def handle(self, *args, **options):
        network = Network.objects.filter(pk=options["network_id"], deleted=False).first()
        if network is None:
            raise CommandError(f"network {options['network_id']} not found")
        data = {}
        if options["name"] is not None:
            data["name"] = options["name"]
        for key in ("shared", "admin_state_up"):
            if options[key]:
                data[key] = options[key] == "yes"
        if options["floating_ip_pool"]:
            if not network.public and options["floating_ip_pool"] == "yes":
                raise CommandError("only a public network can be a floating IP pool")
            Network.objects.filter(pk=network.pk).update(
                floating_ip_pool=options["floating_ip_pool"] == "yes")
        elif not data:
            raise CommandError("nothing to change")
        if data:
            network = networks.update(None, network, data)
        network.refresh_from_db()
        self.emit(formats.networks([network])[0], output=options["output"])
