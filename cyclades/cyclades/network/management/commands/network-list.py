"""cyclades-manage network-list [--user UUID] [--public] [--deleted]"""

from cyclades.network.models import Network
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List networks."
    FIELDS = ("id", "name", "flavor", "owner", "public", "floating_ip_pool", "mode", "link",
              "mac_prefix", "status", "subnets", "backends", "deleted")

    def add_arguments(self, parser):
        parser.add_argument("--user", default=None)
        parser.add_argument("--public", action="store_true")
        parser.add_argument("--deleted", action="store_true")

    def rows(self, **options):
        query = Network.objects.all() if options["deleted"] else \
            Network.objects.filter(deleted=False)
        if options["user"]:
            query = query.filter(owner=options["user"])
        if options["public"]:
            query = query.filter(public=True)
        for n in query.prefetch_related("subnets", "backends"):
            yield {"id": n.id, "name": n.name, "flavor": n.flavor, "owner": n.owner or "-",
                   "public": n.public, "floating_ip_pool": n.floating_ip_pool, "mode": n.mode,
                   "link": n.link, "mac_prefix": n.mac_prefix, "status": n.status,
                   "subnets": ",".join(s.cidr for s in n.subnets.all() if not s.deleted),
                   "backends": ",".join(f"{b.backend_id}:{b.operstate}"
                                        for b in n.backends.all()),
                   "deleted": n.deleted}
