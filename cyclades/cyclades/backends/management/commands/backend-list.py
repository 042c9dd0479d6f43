from cyclades.backends.models import Backend
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List Ganeti backends with their state and capacity."
    FIELDS = ("id", "name", "host", "port", "offline", "drained", "hypervisor",
              "disk_templates", "mfree", "mtotal", "dfree", "dtotal", "pinst_cnt", "ctotal",
              "updated")

    def rows(self, **options):
        return [b.as_row() for b in Backend.objects.all()]
