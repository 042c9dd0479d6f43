from cyclades.images.models import SystemImage
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List registered images."
    FIELDS = ("id", "name", "location", "format", "public", "owner")

    def rows(self, **options):
        return [{"id": str(i.id), "name": i.name, "location": i.location, "format": i.format,
                 "public": i.public, "owner": i.owner}
                for i in SystemImage.objects.filter(deleted=False)]
