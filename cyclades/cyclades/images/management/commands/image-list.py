from cyclades.images.models import SystemImage
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List registered images."
    FIELDS = ("id", "name", "status", "visibility", "format", "owner", "location")

    def rows(self, **options):
        return [{"id": str(i.id), "name": i.name, "status": i.status,
                 "visibility": i.visibility, "format": i.format, "owner": i.owner,
                 "location": i.location, "public": i.public}
                for i in SystemImage.objects.filter(deleted=False)]
