"""cyclades-manage image-list [--user UUID] [--visibility V] [--deleted]"""

from cyclades.images.models import VISIBILITIES, SystemImage
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List registered images."
    FIELDS = ("id", "name", "status", "visibility", "format", "owner", "size", "location")

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only the images this user owns (uuid).")
        parser.add_argument("--visibility", choices=VISIBILITIES)
        parser.add_argument("--deleted", action="store_true", help="Include deregistered ones.")

    def rows(self, **options):
        query = SystemImage.objects.all() if options["deleted"] else \
            SystemImage.objects.filter(deleted=False)
        if options["user"]:
            query = query.filter(owner=options["user"])
        if options["visibility"]:
            query = query.filter(visibility=options["visibility"])
        return [{"id": str(i.id), "name": i.name, "status": i.status,
                 "visibility": i.visibility, "format": i.format, "owner": i.owner,
                 "size": i.size, "location": i.location, "public": i.public,
                 "deleted": i.deleted}
                for i in query]
