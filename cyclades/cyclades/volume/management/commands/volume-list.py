from cyclades.volume.models import Volume
from snf_common.django.commands import ListCommand

from ._rows import volume_row


class Command(ListCommand):
    help = "List volumes (all users)."
    FIELDS = ("id", "owner", "name", "size", "type", "status", "server", "index", "boot")

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this user's volumes (uuid).")
        parser.add_argument("--server", type=int, help="Only the volumes of this server.")
        parser.add_argument("--deleted", action="store_true", help="Include deleted volumes.")

    def rows(self, **options):
        query = Volume.objects.select_related("volume_type")
        if not options["deleted"]:
            query = query.filter(deleted=False)
        if options["user"]:
            query = query.filter(owner=options["user"])
        if options["server"]:
            query = query.filter(server_id=options["server"])
        return [volume_row(v) for v in query]
