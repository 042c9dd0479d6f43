from cyclades.volume.models import VolumeType
from snf_common.django.commands import ListCommand

from ._rows import type_row


class Command(ListCommand):
    help = "List volume types."
    FIELDS = ("id", "name", "disk_template", "description", "deleted")

    def add_arguments(self, parser):
        parser.add_argument("--deleted", action="store_true", help="Include deleted types.")

    def rows(self, **options):
        query = VolumeType.objects.all() if options["deleted"] else \
            VolumeType.objects.filter(deleted=False)
        return [type_row(t) for t in query]
